/**
 * The data converter every Temporal client and worker of the engine uses: the default payload converter, a failure
 * converter that moves messages and stack traces into payloads, and the encrypting codec (payload-codec.ts).
 *
 * The codec runs outside the workflow sandbox (the worker encodes activation completions and decodes activations
 * around it), so the workflow bundle needs only the failure converter: pass `workflowBundleConverterOptions` to
 * `bundleWorkflowCode` (worker/build-bundle.ts, test/setup/global.ts; createWorker does it when it bundles).
 */
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import type { Keyring } from './keyring.ts';
import { EncryptionCodec } from './payload-codec.ts';

/** Module exporting `failureConverter`: loaded by require() in Node and compiled into the workflow bundle. */
export const failureConverterPath = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));

/** What the workflow bundle must be built with so workflow failures are encoded like the rest. */
export const workflowBundleConverterOptions = { failureConverterPath } as const;

/** The engine's data converter: `dataConverter` of the Client, the Worker and the test environments. */
export function createDataConverter(keyring: Keyring): DataConverter {
  return { failureConverterPath, payloadCodecs: [new EncryptionCodec({ keyring })] };
}
