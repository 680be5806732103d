import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

/** A service that did not come up; carries the tail of its log so the one-line message can say why. */
export class ServiceStartError extends Error {
  constructor(
    readonly service: string,
    readonly reason: string,
    readonly logFile?: string,
  ) {
    super(`${service} failed to start: ${reason}${logFile ? ` (log: ${logFile})` : ''}`);
    this.name = 'ServiceStartError';
  }
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

// setpriv --pdeathsig makes the kernel kill the service if this process dies, even by SIGKILL: no orphans.
const SETPRIV = '/usr/bin/setpriv';

export interface StartProcessOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Speaks the service's protocol; true once it answers. */
  isReady: () => Promise<boolean>;
  readyTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL (default 10 s). */
  stopTimeoutMs?: number;
}

export function logTail(logFile: string, lines = 8): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join(' | ');
  } catch {
    return '';
  }
}

export async function startProcess(opts: StartProcessOptions): Promise<ManagedProcess> {
  const fd = openSync(opts.logFile, 'a');
  const [command, args] = existsSync(SETPRIV)
    ? [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', opts.command, ...opts.args]]
    : [opts.command, opts.args];
  let child: ChildProcess;
  try {
    child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  let exitCode: number | null | undefined;
  let spawnError = '';
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      resolve(code);
    });
    child.once('error', (err) => {
      exitCode = -1;
      spawnError = err.message;
      resolve(-1);
    });
  });
  const managed: ManagedProcess = {
    name: opts.name,
    pid: child.pid ?? -1,
    exited,
    async stop() {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const timedOut = await Promise.race([exited.then(() => false), delay(opts.stopTimeoutMs ?? 10_000).then(() => true)]);
      if (timedOut) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  // Readiness is polled by speaking the protocol; the interval only paces the probes.
  for (;;) {
    if (exitCode !== undefined) {
      throw new ServiceStartError(opts.name, spawnError || `exited with code ${exitCode}: ${logTail(opts.logFile)}`, opts.logFile);
    }
    if (await opts.isReady().catch(() => false)) return managed;
    if (Date.now() > deadline) {
      await managed.stop();
      throw new ServiceStartError(opts.name, `not ready after ${opts.readyTimeoutMs ?? 60_000} ms: ${logTail(opts.logFile)}`, opts.logFile);
    }
    await delay(150);
  }
}
