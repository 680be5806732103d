/**
 * CPU time by program (user + system, from /proc), so a benchmark can say where a run's cost went: this process
 * (worker, API and client), the Temporal server, FerretDB. Linux only; elsewhere it reports nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Milliseconds of CPU each program name has used so far, summed over its processes. */
function cpuByProgram(): Map<string, number> {
  const out = new Map<string, number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return out;
  }
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
    const close = stat.lastIndexOf(')');
    const name = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of the whole line)
    out.set(name, (out.get(name) ?? 0) + ticks * 10); // USER_HZ is 100 on Linux
  }
  return out;
}

export interface CpuSnapshot {
  self: NodeJS.CpuUsage;
  programs: Map<string, number>;
}

export const cpuSnapshot = (): CpuSnapshot => ({ self: process.cpuUsage(), programs: cpuByProgram() });

/** CPU milliseconds since `from`: this process (with its threads), the Temporal server, FerretDB. */
export function cpuSince(from: CpuSnapshot): { self: number; temporal: number; ferretdb: number } {
  const now = cpuSnapshot();
  const self = process.cpuUsage(from.self);
  const program = (name: string) => (now.programs.get(name) ?? 0) - (from.programs.get(name) ?? 0);
  return { self: (self.user + self.system) / 1000, temporal: program('temporal'), ferretdb: program('ferretdb') };
}
