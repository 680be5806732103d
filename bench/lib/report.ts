/** What a benchmark module returns, and how run.ts prints it. */
import { round } from './stats.ts';

export interface Baseline {
  label: string;
  value: number;
  unit: string;
}

export interface Row {
  /** Groups rows in the table, e.g. '1 setup'. */
  section: string;
  metric: string;
  /** A number in `unit`, or a verdict such as PASS / FAIL. */
  value: number | string;
  unit: string;
  /** What the value is compared with, measured in the same run. */
  baseline?: Baseline;
  /** value / baseline.value; filled in by run.ts when both are numbers in the same unit. */
  ratio?: number;
  note?: string;
}

export interface BenchContext {
  /** Repository root (cwd of every process the bench starts). */
  root: string;
  /** A progress line on stderr, prefixed with the time since the bench started. */
  log(line: string): void;
  /** Extra material for the JSON results file (samples, per-process figures…), not printed. */
  detail(key: string, value: unknown): void;
}

/** A benchmark module in bench/: `export const description`, `export async function run(ctx): Promise<Row[]>`. */
export interface BenchModule {
  description: string;
  run(ctx: BenchContext): Promise<Row[]>;
}

/** Thrown by a benchmark that failed part-way: carries the rows measured so far. */
export class BenchFailure extends Error {
  constructor(
    readonly original: unknown,
    readonly rows: Row[],
  ) {
    super(original instanceof Error ? original.message : String(original));
    this.name = 'BenchFailure';
  }
}

export function withRatios(rows: Row[]): Row[] {
  return rows.map((r) =>
    r.ratio === undefined && typeof r.value === 'number' && r.baseline && r.baseline.unit === r.unit && r.baseline.value > 0
      ? { ...r, ratio: r.value / r.baseline.value }
      : r,
  );
}

const fmt = (v: number | string, unit: string) => (typeof v === 'number' ? `${round(v)}${unit ? ` ${unit}` : ''}` : v);

export function formatTable(rows: Row[]): string {
  const header = ['metric', 'value', 'baseline (same run)', 'ratio', 'note'];
  const body: string[][] = [];
  let section = '';
  const sectionRows: number[] = [];
  for (const r of rows) {
    if (r.section !== section) {
      section = r.section;
      sectionRows.push(body.length);
      body.push([`[${section}]`, '', '', '', '']);
    }
    body.push([
      `  ${r.metric}`,
      fmt(r.value, r.unit),
      r.baseline ? `${r.baseline.label}: ${fmt(r.baseline.value, r.baseline.unit)}` : '',
      r.ratio !== undefined ? `${round(r.ratio)}×` : '',
      r.note ?? '',
    ]);
  }
  // The note column is free text at the end: not padded.
  const widths = header.slice(0, 4).map((h, i) => Math.max(h.length, ...body.filter((_, j) => !sectionRows.includes(j)).map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < 4 ? (i === 1 || i === 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)) : c))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ') + '  ----';
  return [line(header), rule, ...body.map((b, j) => (sectionRows.includes(j) ? b[0]! : line(b)))].join('\n');
}
