/**
 * Starts the services every integration test shares, in a temp folder (never the data folder), builds the
 * workflow bundle once, and makes sure the time-skipping server is built. Stops everything at the end.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { bundleWorkflowCode } from '@temporalio/worker';
import { loadConfig } from '../../config/index.ts';
import { startLocalStack } from '../../services/stack.ts';
import { ensureTestServer } from '../../services/build.ts';
import { workflowsPath } from '../../worker/create-worker.ts';
import { workflowBundleConverterOptions } from '../../lib/crypto/data-converter.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    mongoUri: string;
    smtpUrl: string;
    mailSinkUrl: string;
    testServerPath: string;
    workflowBundlePath: string;
    stackDir: string;
  }
}

const log = (line: string) => process.stderr.write(`[test setup] ${line}\n`);

export default async function setup(project: TestProject) {
  const { cacheDir } = loadConfig({});
  const dir = await mkdtemp(join(tmpdir(), 'loro-test-'));
  const started = Date.now();
  const [stack, testServerPath, bundle] = await Promise.all([
    startLocalStack({ dataDir: dir, cacheDir, namespace: 'default', temporalUi: false, progress: log }),
    ensureTestServer(cacheDir, log),
    bundleWorkflowCode({ workflowsPath, ...workflowBundleConverterOptions, logger: { trace() {}, debug() {}, info() {}, warn: (m: string) => log(m), error: (m: string) => log(m), log() {} } as never }),
  ]);
  const workflowBundlePath = join(dir, 'workflow-bundle.js');
  await writeFile(workflowBundlePath, bundle.code);
  log(`services ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${dir})`);
  project.provide('temporalAddress', stack.temporalAddress);
  project.provide('mongoUri', stack.mongoUri);
  project.provide('smtpUrl', stack.smtpUrl);
  project.provide('mailSinkUrl', stack.mailSinkUrl!);
  project.provide('testServerPath', testServerPath);
  project.provide('workflowBundlePath', workflowBundlePath);
  project.provide('stackDir', dir);
  return async () => {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
