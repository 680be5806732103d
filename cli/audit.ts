/**
 * `npm run audit -- verify` checks the audit chain (exit 1 and the first bad entry if it is broken);
 * `npm run audit -- export [file]` writes it as JSON Lines for auditors (stdout by default).
 */
import { createWriteStream } from 'node:fs';
import { loadConfig, withServiceAddresses } from '../config/index.ts';
import { runMain, StartupError } from '../lib/main.ts';
import { connectMongo } from '../lib/mongo.ts';
import { auditEntryModel } from '../models/audit-entry.ts';
import { createAuditLog } from '../lib/audit/audit-log.ts';

runMain('audit', async () => {
  const [command, file] = process.argv.slice(2);
  if (command !== 'verify' && command !== 'export') throw new StartupError('usage: npm run audit -- verify | export [file.jsonl]');
  const config = withServiceAddresses(loadConfig());
  const mongo = await connectMongo(config.mongoUri);
  let exitCode = 0;
  try {
    const log = createAuditLog(auditEntryModel(mongo));
    if (command === 'verify') {
      const result = await log.verify();
      if (result.ok) process.stdout.write(`audit chain intact: ${result.entries} entries, last hash ${result.lastHash}\n`);
      else {
        process.stdout.write(`audit chain BROKEN at entry ${result.firstBad.seq} (${result.firstBad.problem}): ${result.detail}\n`);
        exitCode = 1;
      }
    } else {
      const out = file ? createWriteStream(file) : process.stdout;
      let n = 0;
      for await (const line of log.exportJsonLines()) {
        if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
        n++;
      }
      if (file) await new Promise<void>((r) => (out as ReturnType<typeof createWriteStream>).end(r));
      process.stderr.write(`exported ${n} audit entries${file ? ` to ${file}` : ''}\n`);
    }
  } finally {
    await mongo.close();
  }
  process.exit(exitCode);
});
