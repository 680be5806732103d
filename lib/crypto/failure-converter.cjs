'use strict';
/**
 * The engine's failure converter: the SDK's default one with `encodeCommonAttributes`, so a failure's message and
 * stack trace travel in a payload (`encodedAttributes`) that the payload codec encrypts, instead of as plain
 * text in the history. Failures from converters without the option still decode (the SDK always reads
 * `encodedAttributes`).
 *
 * CommonJS on purpose: the SDK loads it by path (DataConverter.failureConverterPath) with require() in the
 * worker and client, and webpack compiles it into the workflow bundle (bundleWorkflowCode's
 * failureConverterPath), where it runs in the sandbox.
 */
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
