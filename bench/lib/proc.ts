/**
 * Processes for the benchmarks: spawned in their own process group and tracked, so that whatever happens
 * (an error, a timeout, Ctrl-C on the bench) the whole group is stopped; plus /proc readers (process tree,
 * RSS/PSS, CPU ticks) for the memory and orphan checks. Linux only, like the stack's own setpriv trick.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';

// ---------------------------------------------------------------------------------------------------------------
// Clean-up registry

type Cleanup = () => unknown;
const cleanups: Cleanup[] = [];
/** Process groups (= leader pids) that may still hold processes; SIGKILLed on exit as a last resort. */
const liveGroups = new Set<number>();

export function onCleanup(fn: Cleanup): void {
  cleanups.push(fn);
}

/** Runs the registered clean-ups, newest first; each is guarded so one failure does not skip the others. */
export async function runCleanups(): Promise<void> {
  while (cleanups.length) {
    const fn = cleanups.pop()!;
    try {
      await fn();
    } catch (err) {
      process.stderr.write(`bench: clean-up step failed: ${(err as Error).message}\n`);
    }
  }
}

process.on('exit', () => {
  // Synchronous last resort (an uncaught error, process.exit elsewhere): no group outlives the bench.
  for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
});

export function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export function groupAlive(pgid: number): boolean {
  return listProcs().some((p) => p.pgid === pgid && p.state !== 'Z');
}

// ---------------------------------------------------------------------------------------------------------------
// Temp dirs

const keep = process.env.BENCH_KEEP === '1';

/** A fresh temp dir, removed at clean-up (unless BENCH_KEEP=1). Go's module cache is read-only: made writable first. */
export async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `loro-bench-${label}-`));
  onCleanup(async () => {
    if (keep) {
      process.stderr.write(`bench: kept ${dir} (BENCH_KEEP=1)\n`);
      return;
    }
    if (!existsSync(dir)) return;
    spawnSync('chmod', ['-R', 'u+w', dir], { stdio: 'ignore' });
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

// ---------------------------------------------------------------------------------------------------------------
// Tracked child processes

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() when the exit was seen. */
  at: number;
}

export interface Tracked {
  name: string;
  pid: number;
  child: ChildProcess;
  /** performance.now() just before spawn(). */
  startedAt: number;
  exited: Promise<Exit>;
  hasExited(): boolean;
  /** The tail of stdout+stderr, for error messages. */
  output(): string;
  /** Resolves when a line of stdout/stderr matches, with the time it arrived; rejects on exit or timeout. */
  waitForLine(re: RegExp, timeoutMs: number): Promise<{ line: string; at: number }>;
  /** Signals the leader, waits up to graceMs, then SIGKILLs the whole group (leader and anything left in it). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<Exit>;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to stdin, which is then closed. */
  input?: string;
}

export function spawnTracked(name: string, command: string, args: string[], opts: SpawnOptions = {}): Tracked {
  const startedAt = performance.now();
  // detached → its own process group (and session): one kill(-pid) reaches every process it starts.
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  const pid = child.pid ?? -1;
  if (pid > 0) liveGroups.add(pid);
  let out = '';
  let partial = '';
  let exitInfo: Exit | undefined;
  const lines: { line: string; at: number }[] = [];
  const waiters = new Set<(line: string, at: number) => void>();
  const onData = (chunk: Buffer) => {
    const at = performance.now();
    const text = chunk.toString();
    out = (out + text).slice(-64_000);
    const parts = (partial + text).split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      if (lines.length < 2000) lines.push({ line, at });
      for (const w of [...waiters]) w(line, at);
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal, at: performance.now() };
      resolve(exitInfo);
    });
    child.once('error', (err) => {
      out += `\n[spawn error: ${err.message}]`;
      exitInfo = { code: -1, signal: null, at: performance.now() };
      resolve(exitInfo);
    });
  });
  child.stdin!.on('error', () => {});
  if (opts.input !== undefined) child.stdin!.end(opts.input);
  else child.stdin!.end();

  const tracked: Tracked = {
    name,
    pid,
    child,
    startedAt,
    exited,
    hasExited: () => exitInfo !== undefined,
    output: () => out,
    waitForLine(re, timeoutMs) {
      const seen = lines.find((l) => re.test(l.line));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const done = () => {
          waiters.delete(waiter);
          clearTimeout(timer);
        };
        const waiter = (line: string, at: number) => {
          if (!re.test(line)) return;
          done();
          resolve({ line, at });
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${name}: no line matching ${re} within ${timeoutMs} ms; output tail:\n${tail(out)}`));
        }, timeoutMs);
        waiters.add(waiter);
        void exited.then((e) => {
          if (!waiters.has(waiter)) return;
          done();
          reject(new Error(`${name} exited (code ${e.code}, signal ${e.signal}) before a line matching ${re}; output tail:\n${tail(out)}`));
        });
      });
    },
    async stop(signal = 'SIGINT', graceMs = 20_000) {
      if (!exitInfo) {
        try {
          process.kill(pid, signal);
        } catch {
          /* already gone */
        }
        const e = await Promise.race([exited, delay(graceMs).then(() => undefined)]);
        if (!e) {
          process.stderr.write(`bench: ${name} did not exit ${graceMs} ms after ${signal}; killing its process group\n`);
          killGroup(pid, 'SIGKILL');
          await Promise.race([exited, delay(5_000)]);
        }
      }
      // Anything its children left behind in the group goes too.
      if (groupAlive(pid)) killGroup(pid, 'SIGKILL');
      liveGroups.delete(pid);
      return exitInfo ?? { code: null, signal: 'SIGKILL', at: performance.now() };
    },
  };
  onCleanup(() => tracked.stop('SIGINT', 15_000));
  return tracked;
}

export const tail = (text: string, n = 15) => text.trimEnd().split('\n').slice(-n).join('\n');

/** Runs a command to completion (bounded), timing it from spawn to exit. */
export async function runTimed(name: string, command: string, args: string[], opts: SpawnOptions & { timeoutMs?: number } = {}) {
  const p = spawnTracked(name, command, args, opts);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const e = await Promise.race([p.exited, delay(timeoutMs).then(() => undefined)]);
  if (!e) {
    await p.stop('SIGKILL', 1_000);
    throw new Error(`${name} did not finish within ${timeoutMs} ms; output tail:\n${tail(p.output())}`);
  }
  await p.stop(); // no-op for the leader; sweeps its group
  return { ms: e.at - p.startedAt, code: e.code, output: p.output() };
}

// ---------------------------------------------------------------------------------------------------------------
// /proc readers

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  comm: string;
  state: string;
  /** Clock ticks after boot: with the pid, identifies a process (pids are reused). */
  starttime: number;
  /** utime + stime, clock ticks. */
  cpuTicks: number;
  cmdline: string;
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const f = stat.slice(close + 2).split(' ');
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      /* exited meanwhile */
    }
    return {
      pid,
      ppid: Number(f[1]),
      pgid: Number(f[2]),
      comm,
      state: f[0] ?? '?',
      cpuTicks: Number(f[11]) + Number(f[12]),
      starttime: Number(f[19]),
      cmdline,
    };
  } catch {
    return undefined;
  }
}

export function listProcs(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = readProc(Number(name));
    if (p) out.push(p);
  }
  return out;
}

/** The root and all its descendants (by ppid), root first. */
export function processTree(rootPid: number, procs = listProcs()): ProcInfo[] {
  const byParent = new Map<number, ProcInfo[]>();
  for (const p of procs) byParent.set(p.ppid, [...(byParent.get(p.ppid) ?? []), p]);
  const root = procs.find((p) => p.pid === rootPid);
  if (!root) return [];
  const out: ProcInfo[] = [];
  const queue = [root];
  while (queue.length) {
    const p = queue.shift()!;
    out.push(p);
    queue.push(...(byParent.get(p.pid) ?? []));
  }
  return out;
}

/** The same process (pid and start time) still exists and is not a zombie. */
export function stillRunning(p: ProcInfo): boolean {
  const now = readProc(p.pid);
  return !!now && now.starttime === p.starttime && now.state !== 'Z';
}

function statusKiB(pid: number, file: string, field: string): number | undefined {
  try {
    const m = readFileSync(`/proc/${pid}/${file}`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Resident set size: what the task asked for (shared pages counted in every process that maps them). */
export const rssKiB = (pid: number) => statusKiB(pid, 'status', 'VmRSS');
/** Proportional set size: shared pages split between the processes mapping them; sums without double counting. */
export const pssKiB = (pid: number) => statusKiB(pid, 'smaps_rollup', 'Pss');

let hz: number | undefined;
function clockTicks(): number {
  if (hz === undefined) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    hz = Number(r.stdout?.trim()) || 100;
  }
  return hz;
}

/**
 * Waits until a process tree is idle: CPU use of the whole tree under `threshold` cores for `windows`
 * consecutive windows of `windowMs`. Bounded by maxMs (then reports idle: false rather than failing).
 */
export async function waitForIdle(rootPid: number, opts: { threshold?: number; windowMs?: number; windows?: number; maxMs?: number } = {}) {
  const { threshold = 0.05, windowMs = 1000, windows = 2, maxMs = 20_000 } = opts;
  const t0 = performance.now();
  const ticks = () => processTree(rootPid).reduce((s, p) => s + p.cpuTicks, 0);
  let quiet = 0;
  let last = ticks();
  let cores = Number.NaN;
  while (performance.now() - t0 < maxMs) {
    const w0 = performance.now();
    await delay(windowMs);
    const now = ticks();
    cores = (now - last) / clockTicks() / ((performance.now() - w0) / 1000);
    last = now;
    quiet = cores < threshold ? quiet + 1 : 0;
    if (quiet >= windows) return { idle: true, waitedMs: performance.now() - t0, cores };
  }
  return { idle: false, waitedMs: performance.now() - t0, cores };
}
