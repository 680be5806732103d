/**
 * Builds the pinned local services from the package registries (Go module proxy, Maven Central) once,
 * and caches them by version outside the repo: ~/.cache/loro/<service>/<version>/.
 */
import { spawn } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { FERRETDB_PATCH_LEVEL, FERRETDB_VERSION, SLF4J_NOP_VERSION, TEMPORAL_CLI_VERSION, TEMPORAL_TEST_SERVER_VERSION } from './versions.ts';
import { startProcess } from './process.ts';
import { freePort } from './ports.ts';
import { isTcpOpen } from './probes.ts';

export type Progress = (line: string) => void;

export class ServiceBuildError extends Error {
  constructor(
    readonly service: string,
    readonly reason: string,
  ) {
    super(`could not build ${service}: ${reason}`);
    this.name = 'ServiceBuildError';
  }
}

interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  service: string;
  progress: Progress;
  label: string;
}

/** Runs a build tool, reporting progress every 15 s; rejects with the tail of its output. */
function run(command: string, args: string[], opts: RunOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(command, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let modules = 0;
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      modules += text.match(/go: downloading|Downloaded from/g)?.length ?? 0;
      out = (out + text).slice(-20_000);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const ticker = setInterval(() => {
      const s = Math.round((Date.now() - started) / 1000);
      opts.progress(`  … still ${opts.label} (${Math.floor(s / 60)}m ${s % 60}s${modules ? `, ${modules} modules fetched` : ''})`);
    }, 15_000);
    child.once('error', (err) => {
      clearInterval(ticker);
      reject(new ServiceBuildError(opts.service, `${command} is not available (${err.message}); install it (see README, Troubleshooting)`));
    });
    child.once('exit', (code) => {
      clearInterval(ticker);
      if (code === 0) return resolve(out);
      let hint = '';
      if (/sum\.golang\.org|checksum database|verifying module/.test(out)) {
        hint = ' — Go could not reach the checksum database; set GONOSUMDB/GOSUMDB=off deliberately if your network blocks it';
      }
      reject(new ServiceBuildError(opts.service, `${command} ${args.join(' ')} exited with ${code}${hint}: ${out.trim().split('\n').slice(-6).join(' | ')}`));
    });
  });
}

async function installAtomically(finalDir: string, build: (stagingDir: string) => Promise<void>) {
  const staging = await mkdtemp(`${finalDir}.staging-`);
  try {
    await chmod(staging, 0o755);
    await build(staging);
    await rm(finalDir, { recursive: true, force: true });
    await rename(staging, finalDir);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}

export function temporalCliPath(cacheDir: string) {
  return join(cacheDir, 'temporal-cli', TEMPORAL_CLI_VERSION, 'temporal');
}

/** Temporal CLI dev server. v1.5.1 is the last tag `go install` accepts (later tags `replace ./cliext`). */
export async function ensureTemporalCli(cacheDir: string, progress: Progress): Promise<string> {
  const bin = temporalCliPath(cacheDir);
  if (existsSync(bin)) return bin;
  const dir = join(cacheDir, 'temporal-cli', TEMPORAL_CLI_VERSION);
  await mkdir(join(cacheDir, 'temporal-cli'), { recursive: true });
  progress(`building Temporal CLI ${TEMPORAL_CLI_VERSION} from the Go module proxy — a few minutes, once`);
  const started = Date.now();
  await installAtomically(dir, async (staging) => {
    await run('go', ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
      env: { GOBIN: staging, CGO_ENABLED: '0' },
      service: 'Temporal CLI',
      progress,
      label: `building Temporal CLI ${TEMPORAL_CLI_VERSION}`,
    });
  });
  progress(`built Temporal CLI ${TEMPORAL_CLI_VERSION} in ${Math.round((Date.now() - started) / 1000)} s → ${bin}`);
  return bin;
}

const FERRETDB_BUILD = `${FERRETDB_VERSION}-${FERRETDB_PATCH_LEVEL}`;

export function ferretDbPath(cacheDir: string) {
  return join(cacheDir, 'ferretdb', FERRETDB_BUILD, 'ferretdb');
}

/**
 * Source edits applied before building (each must match exactly once, or the build stops).
 * - The SQLite backend indexes `_id` as `_ferretdb_sjson->"_id"` but looks documents up with
 *   `_ferretdb_sjson->'$._id'`: SQLite sees two different expressions, so every lookup by `_id` scanned the whole
 *   table (≈ 200 ms at 20,000 documents instead of well under 1 ms). Querying with the indexed expression lets SQLite
 *   search the unique index; `'_id'` and `'$._id'` select the same value, so results do not change.
 * - A query is pushed down to SQLite only when its filter is `{_id: value}` alone; `{_id, status: 'sending'}` (a
 *   conditional update, a fencing check) read the whole table. Every caller filters the fetched documents again
 *   with the whole filter, so pushing down the `_id` part of any filter returns the same results from one row.
 * - Only string and ObjectId `_id`s were pushed down: the audit log's numbered entries (`{_id: 300}`, read on
 *   every append) scanned the whole log. Integers are stored as their plain JSON text (`300`), the same text an
 *   int32 or int64 argument marshals to (and a double holding 300, which MongoDB also matches); doubles stay
 *   unpushed (their text may differ: `1e+21`).
 * - `explain` has its own copy of that choice: it gets the same edits, so it reports the plan the query runs
 *   (test/integration/ferretdb-lookups.test.ts relies on it).
 * - An update, findAndModify or delete reads the matching documents and writes them back in separate steps
 *   (FerretDB#3040), so two conditional updates of one document could both apply: two sends given the same throttle
 *   slot, two attempts both passing a fencing check. Write commands now take one process-wide lock, making each
 *   read-check-write one step as on MongoDB (test/integration/send-throttle.test.ts races them). SQLite admits one
 *   writer at a time anyway; reads are not held.
 * - A request flagged moreToCome (an unacknowledged write, `w: 0`) was answered anyway. The driver expects no
 *   answer to it, so it read that stray one as the reply to the connection's next command, and every later command
 *   on that connection got the reply of the one before it: a `findOne('b')` answered with document `a`. Such
 *   requests now get no answer, as the wire protocol says (test/integration/ferretdb-lookups.test.ts).
 */
const FERRETDB_WRITE_LOCK = `package handler

import "sync"

// writeMu serialises write commands so that each one's read-check-write is atomic (LORO patch, FerretDB#3040).
var writeMu sync.Mutex

func lockWrites() func() {
	writeMu.Lock()
	return writeMu.Unlock
}
`;
const lockedCommand = (file: string, command: string) => {
  const signature = `func (h *Handler) ${command}(connCtx context.Context, msg *wire.OpMsg) (*wire.OpMsg, error) {`;
  return { file, from: signature, to: `${signature}\n\tdefer lockWrites()()\n` };
};

export const FERRETDB_PATCHES: { file: string; from?: string; to: string }[] = [
  { file: 'internal/handler/loro_write_lock.go', to: FERRETDB_WRITE_LOCK },
  lockedCommand('internal/handler/msg_update.go', 'MsgUpdate'),
  lockedCommand('internal/handler/msg_findandmodify.go', 'MsgFindAndModify'),
  lockedCommand('internal/handler/msg_delete.go', 'MsgDelete'),
  {
    file: 'internal/clientconn/conn.go',
    from: '\t\tif err = wire.WriteMessage(bufw, resHeader, resBody); err != nil {',
    to:
      '\t\t// LORO patch: no answer to a request flagged moreToCome (w: 0); a stray one shifts the connection\'s replies.\n' +
      '\t\tif msg, ok := reqBody.(*wire.OpMsg); ok && msg.Flags.FlagSet(wire.OpMsgMoreToCome) && !resCloseConn {\n' +
      '\t\t\tcontinue\n' +
      '\t\t}\n\n' +
      '\t\tif err = wire.WriteMessage(bufw, resHeader, resBody); err != nil {',
  },
  {
    file: 'internal/backends/sqlite/metadata/metadata.go',
    from: `IDColumn = DefaultColumn + "->'$._id'"`,
    to: `IDColumn = DefaultColumn + "->'_id'"`,
  },
  {
    file: 'internal/backends/sqlite/collection.go',
    from: 'if params.Filter.Len() == 1 {\n\t\tv, _ := params.Filter.Get("_id")\n\t\tswitch v.(type) {\n\t\tcase string, types.ObjectID:\n\t\t\twhereClause',
    to: 'if params.Filter.Len() >= 1 {\n\t\tv, _ := params.Filter.Get("_id")\n\t\tswitch v.(type) {\n\t\tcase string, types.ObjectID, int32, int64:\n\t\t\twhereClause',
  },
  {
    file: 'internal/backends/sqlite/collection.go',
    from: 'if params.Filter.Len() == 1 {\n\t\tv, _ := params.Filter.Get("_id")\n\t\tswitch v.(type) {\n\t\tcase string, types.ObjectID:\n\t\t\tfilterPushdown = true',
    to: 'if params.Filter.Len() >= 1 {\n\t\tv, _ := params.Filter.Get("_id")\n\t\tswitch v.(type) {\n\t\tcase string, types.ObjectID, int32, int64:\n\t\t\tfilterPushdown = true',
  },
];

/**
 * FerretDB v1 (SQLite backend) with FERRETDB_PATCHES. `go install` builds a binary that panics at start because
 * build/version/version.txt is missing from the module zip (FerretDB#2982): build from the module dir instead.
 */
export async function ensureFerretDb(cacheDir: string, progress: Progress): Promise<string> {
  const bin = ferretDbPath(cacheDir);
  if (existsSync(bin)) return bin;
  const dir = join(cacheDir, 'ferretdb', FERRETDB_BUILD);
  await mkdir(join(cacheDir, 'ferretdb'), { recursive: true });
  progress(`building FerretDB ${FERRETDB_BUILD} from the Go module proxy — a few minutes, once`);
  const started = Date.now();
  await installAtomically(dir, async (staging) => {
    const label = `building FerretDB ${FERRETDB_BUILD}`;
    const info = JSON.parse(
      await run('go', ['mod', 'download', '-json', `github.com/FerretDB/FerretDB@${FERRETDB_VERSION}`], { service: 'FerretDB', progress, label }),
    ) as { Dir?: string; Error?: string };
    if (!info.Dir) throw new ServiceBuildError('FerretDB', info.Error ?? 'go mod download returned no module directory');
    const src = join(staging, 'src');
    await cp(info.Dir, src, { recursive: true });
    await chmod(src, 0o755);
    await run('chmod', ['-R', 'u+w', src], { service: 'FerretDB', progress, label });
    await writeFile(join(src, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
    for (const patch of FERRETDB_PATCHES) {
      const path = join(src, patch.file);
      if (patch.from === undefined) {
        if (existsSync(path)) throw new ServiceBuildError('FerretDB', `patch does not apply: ${patch.file} exists already`);
        await writeFile(path, patch.to);
        continue;
      }
      const text = await readFile(path, 'utf8');
      if (text.split(patch.from).length !== 2) throw new ServiceBuildError('FerretDB', `patch does not apply: ${patch.file} has no single "${patch.from}"`);
      await writeFile(path, text.replace(patch.from, patch.to));
    }
    await run('go', ['build', '-o', join(staging, 'ferretdb'), './cmd/ferretdb'], { cwd: src, service: 'FerretDB', progress, label });
    await rm(src, { recursive: true, force: true });
  });
  progress(`built FerretDB ${FERRETDB_BUILD} in ${Math.round((Date.now() - started) / 1000)} s → ${bin}`);
  return bin;
}

export function testServerPath(cacheDir: string) {
  return join(cacheDir, 'temporal-test-server', TEMPORAL_TEST_SERVER_VERSION, 'temporal-test-server');
}

const TEST_SERVER_POM = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>loro</groupId><artifactId>temporal-test-server-deps</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>${TEMPORAL_TEST_SERVER_VERSION}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-nop</artifactId><version>${SLF4J_NOP_VERSION}</version></dependency>
  </dependencies>
</project>
`;

// The SDK runs `<path> <port>` and kills only its direct child, so the wrapper must exec java.
// C1-only JIT, serial GC and an AppCDS archive bring a cold start on 2 busy cores well under the SDK's ~5 s wait.
// No --enable-time-skipping: that flag starts the server with skipping *unlocked*, so time would run ahead while
// workers are mid-task. The SDK expects it locked and unlocks it itself (result(), env.sleep()).
const wrapper = (dir: string, cds: boolean) => `#!/bin/sh
exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -Xshare:auto ${cds ? `-XX:SharedArchiveFile="${dir}/app.jsa"` : ''} \\
  -cp "${dir}/lib/*" io.temporal.testserver.TestServer "$@"
`;

/** Temporal's Java time-skipping test server from Maven Central, behind an exec wrapper. */
export async function ensureTestServer(cacheDir: string, progress: Progress): Promise<string> {
  const bin = testServerPath(cacheDir);
  const dir = join(cacheDir, 'temporal-test-server', TEMPORAL_TEST_SERVER_VERSION);
  if (existsSync(join(dir, 'app.jsa'))) {
    // The wrapper is cheap: rewrite it when this code changed it, so a cached build never runs a stale one.
    const current = wrapper(dir, true);
    if ((await readFile(bin, 'utf8').catch(() => '')) !== current) await writeFile(bin, current, { mode: 0o755 });
    return bin;
  }
  await mkdir(join(cacheDir, 'temporal-test-server'), { recursive: true });
  progress(`fetching Temporal test server ${TEMPORAL_TEST_SERVER_VERSION} from Maven Central — about a minute, once`);
  await installAtomically(dir, async (staging) => {
    const label = 'fetching the Temporal test server';
    await writeFile(join(staging, 'pom.xml'), TEST_SERVER_POM);
    await run('mvn', ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${join(staging, 'lib')}`], {
      cwd: staging,
      service: 'Temporal test server',
      progress,
      label,
    });
    // Paths inside the wrapper must be final, so the archive is made after the move (below).
  });
  await writeFile(bin, wrapper(dir, false));
  await chmod(bin, 0o755);
  await buildCdsArchive(dir, progress);
  await writeFile(bin, wrapper(dir, true));
  return bin;
}

/** Runs the server once with -XX:ArchiveClassesAtExit so later starts map the loaded classes from the archive. */
async function buildCdsArchive(dir: string, progress: Progress) {
  progress('creating a class-data archive for the test server (faster JVM starts)');
  const port = await freePort();
  const proc = await startProcess({
    name: 'Temporal test server (CDS dump)',
    command: 'java',
    args: [
      `-XX:ArchiveClassesAtExit=${join(dir, 'app.jsa')}`,
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      '-cp',
      `${dir}/lib/*`,
      'io.temporal.testserver.TestServer',
      String(port),
    ],
    logFile: join(tmpdir(), `loro-test-server-cds-${process.pid}.log`),
    isReady: () => isTcpOpen('127.0.0.1', port),
  });
  await proc.stop();
}
