/**
 * `npm run build:workflows`: bundles the workflows once at build time (production runs it in the image), so
 * workers start without webpack and every replica runs byte-identical workflow code. LORO_WORKFLOW_BUNDLE
 * points the worker at it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from './create-worker.ts';
import { workflowBundleConverterOptions } from '../lib/crypto/data-converter.ts';

const DEFAULT_BUNDLE_PATH = fileURLToPath(new URL('../dist/workflow-bundle.js', import.meta.url));

// Webpack's statistics are noise here; warnings and errors still show.
const quiet = { trace() {}, debug() {}, info() {}, log() {}, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m) };
const { code } = await bundleWorkflowCode({ workflowsPath, ...workflowBundleConverterOptions, logger: quiet });
await mkdir(dirname(DEFAULT_BUNDLE_PATH), { recursive: true });
await writeFile(DEFAULT_BUNDLE_PATH, code);
process.stderr.write(`workflow bundle: ${DEFAULT_BUNDLE_PATH} (${(code.length / 1024).toFixed(0)} KiB)\n`);
