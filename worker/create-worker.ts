import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { TASK_QUEUES } from '../contracts/task-queues.ts';
import { createActivities, type ActivityDeps } from '../activities/index.ts';
import { workflowBundleConverterOptions } from '../lib/crypto/data-converter.ts';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  deps: ActivityDeps;
  /** A prebuilt bundle (production, tests); without it the worker bundles the workflows at start. */
  workflowBundlePath?: string;
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  taskQueue?: string;
  /** The engine's data converter (lib/crypto/data-converter.ts: the encrypting codec); without it payloads stay plaintext. */
  dataConverter?: DataConverter;
}

export function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue ?? TASK_QUEUES.main,
    ...(opts.workflowBundlePath ? { workflowBundle: { codePath: opts.workflowBundlePath } } : { workflowsPath }),
    activities: createActivities(opts.deps),
    shutdownGraceTime: opts.shutdownGraceTime ?? '30s',
    // The failure converter always matches the one compiled into the workflow bundle.
    dataConverter: { ...opts.dataConverter, ...workflowBundleConverterOptions },
  });
}
