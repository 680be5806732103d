/** The README's configuration table, generated from the schema (a unit test keeps the README in step). */
import { configSchema } from './schema.ts';

export function configTable(): string {
  const rows = Object.entries(configSchema.properties).map(([name, p]) => {
    const def = 'default' in p ? `\`${String(p.default)}\`` : '—';
    return `| \`${name}\` | ${p.description} | ${def} |`;
  });
  return ['| variable | what it is | default |', '| --- | --- | --- |', ...rows].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(`${configTable()}\n`);
