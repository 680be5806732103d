/**
 * Payload encryption end to end on the time-skipping server: accountOnboarding runs with the encrypting data
 * converter (the fixture's client and worker, on the MongoDB keyring, as in production), then the RAW history — fetched by a client without the codec — is searched for
 * every payload and every failure. All of them must be encrypted under the account's data key (the system key
 * for a system workflow), with nothing of the values in clear; after crypto-shredding the account, its
 * payloads no longer decode.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { accountOnboarding, onboardingStateQuery } from '../../workflows/account-onboarding.ts';
import { retentionSweep } from '../../workflows/retention-sweep.ts';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import { EncryptionCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA, payloadOwner } from '../../lib/crypto/payload-codec.ts';
import { SYSTEM_OWNER } from '../../lib/crypto/keyring.ts';
import { KeyDestroyedError } from '../../lib/crypto/errors.ts';
import { createTimeSkippingFixture, type TimeSkippingFixture } from '../fixtures/time-skipping.ts';
import { uniqueEmail } from '../fixtures/mail.ts';
import { waitFor } from '../fixtures/wait.ts';

let t: TimeSkippingFixture;
/** A codec of its own on the fixture's keyring: decodes what the worker wrote, fails once the key is destroyed. */
let codec: EncryptionCodec;
/** Sees the history as Temporal stores it: no codec. */
let raw: Client;

beforeAll(async () => {
  t = await createTimeSkippingFixture();
  codec = new EncryptionCodec({ keyring: t.keyring });
  raw = new Client({ connection: t.env.connection });
});
afterAll(() => t?.close());

type Payload = temporal.api.common.v1.IPayload;
type Failure = temporal.api.failure.v1.IFailure;

/** The message type of a decoded protobuf message (the proto package is reflection-based: types are not classes). */
const typeOf = (node: object) => (node as { $type?: unknown }).$type;

/** Every Payload and Failure anywhere in the history's events, with where it was found. */
function scan(events: temporal.api.history.v1.IHistoryEvent[]) {
  const payloads: { at: string; payload: Payload }[] = [];
  const failures: { at: string; failure: Failure }[] = [];
  const walk = (node: unknown, at: string) => {
    if (node === null || typeof node !== 'object' || ArrayBuffer.isView(node)) return;
    if (typeOf(node) === temporal.api.common.v1.Payload) {
      payloads.push({ at, payload: node as Payload });
      return;
    }
    if (typeOf(node) === temporal.api.failure.v1.Failure) failures.push({ at, failure: node as Failure });
    for (const [k, v] of Object.entries(node)) walk(v, `${at}.${k}`);
  };
  events.forEach((e, i) => walk(e, `#${i + 1}`));
  return { payloads, failures };
}

/** The payloads' data (metadata holds only the encoding, key ID and owner, checked apart). */
const dataOf = (payloads: { payload: Payload }[]) => Buffer.concat(payloads.map(({ payload }) => Buffer.from(payload.data ?? [])));

async function expectAllEncryptedFor(workflowId: string, owner: string) {
  const { events } = await raw.workflow.getHandle(workflowId).fetchHistory();
  const found = scan(events!);
  const keyId = (await t.keyring.dataKeyFor(owner)).keyId;
  const wrong = found.payloads
    .filter(({ payload }) => Buffer.from(payload.metadata?.encoding ?? []).toString() !== ENCRYPTED_ENCODING || payloadOwner(payload) !== owner || Buffer.from(payload.metadata?.[KEY_ID_METADATA] ?? []).toString() !== keyId)
    .map(({ at, payload }) => `${at}: ${Buffer.from(payload.metadata?.encoding ?? []).toString()} owner=${payloadOwner(payload)}`);
  expect(wrong).toEqual([]);
  // Every failure keeps its message and stack trace in the (encrypted) encodedAttributes payload. (None of these
  // runs has a failure the server writes itself, such as a timeout: those are the server's text, not ours.)
  const clearFailures = found.failures
    .filter(({ failure }) => failure.message !== 'Encoded failure' || failure.stackTrace !== '' || !failure.encodedAttributes)
    .map(({ at, failure }) => `${at}: ${failure.message}`);
  expect(clearFailures).toEqual([]);
  return { ...found, text: JSON.stringify(events), bytes: dataOf(found.payloads) };
}

async function newAccount() {
  const accountId = `acc_${randomBytes(16).toString('hex')}`;
  await t.models.Account.create({ _id: accountId, name: 'Encrypted Plumbing', owner: { name: 'Erin Owner', email: uniqueEmail('enc') } });
  return accountId;
}

describe('encrypted workflow payloads', () => {
  it('an onboarding run stores every payload under the account’s key; after shredding none decodes', async () => {
    const accountId = await newAccount();
    const workflowId = workflowIds.accountOnboarding(accountId);
    const outcome = await t.withWorker(async () => {
      const handle = await t.env.client.workflow.start(accountOnboarding, { taskQueue: t.taskQueue, workflowId, args: [{ accountId }], memo: { note: 'memo of Erin' } });
      await waitFor('the welcome step', async () => (await handle.query(onboardingStateQuery)) === 'welcomed');
      return handle.result(); // reminder on day 3, lapse on day 14
    });
    expect(outcome).toBe('lapsed');

    const history = await expectAllEncryptedFor(workflowId, accountId);
    // Input, memo, 5 activity arguments, 4 activity results, the result: at least.
    expect(history.payloads.length).toBeGreaterThanOrEqual(12);
    for (const plain of [accountId, 'lapsed', 'memo of Erin', 'json/plain', 'Erin']) expect(history.bytes.includes(plain), plain).toBe(false);
    expect(history.text).not.toContain('Erin');

    // With the key, the same payloads decode (the workflow's input among them).
    const decoded = await codec.decode(history.payloads.map((p) => p.payload));
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toContainEqual({ accountId });

    const { keyIds } = await t.keyring.destroy(accountId);
    expect(keyIds).toHaveLength(1);
    for (const { at, payload } of history.payloads) {
      await expect(codec.decode([payload]), at).rejects.toBeInstanceOf(KeyDestroyedError);
    }
    // The client with the codec cannot read the result any more either.
    await expect(t.env.client.workflow.getHandle(workflowId).result()).rejects.toThrow(KeyDestroyedError);
  });

  it('failure messages and stack traces are encrypted too', async () => {
    const accountId = `acc_${randomBytes(16).toString('hex')}`; // no such account: provisionAccount fails
    const workflowId = workflowIds.accountOnboarding(accountId);
    const err = await t.withWorker(async () => {
      const handle = await t.env.client.workflow.start(accountOnboarding, { taskQueue: t.taskQueue, workflowId, args: [{ accountId }], workflowExecutionTimeout: '1 minute' });
      return handle.result().catch((e: Error) => e);
    });
    // Decoded with the key: the message is there.
    expect(String((err as Error & { cause?: { cause?: Error } }).cause?.cause?.message)).toContain(`account ${accountId} does not exist`);

    const history = await expectAllEncryptedFor(workflowId, accountId);
    // The activity's failure, and the workflow's with that one as its cause.
    expect(history.failures.length).toBeGreaterThanOrEqual(3);
    expect(history.text).not.toContain('does not exist');
    expect(history.text).not.toContain('onboarding.ts'); // no stack frame in clear
  });

  it('a system workflow’s payloads are under the system key and outlive an account’s shredding', async () => {
    const workflowId = `${workflowIds.retentionSweep('2026-11-25')}-${randomBytes(4).toString('hex')}`;
    const result = await t.withWorker(() => t.env.client.workflow.execute(retentionSweep, { taskQueue: t.taskQueue, workflowId }));
    expect(result).toEqual({ expiredApiTokensDeleted: 0, oldUsageEventsDeleted: 0, exportsExpired: 0, financialRecordsDeleted: 0, locationPointsDeleted: 0 });
    const history = await expectAllEncryptedFor(workflowId, SYSTEM_OWNER);
    expect(history.payloads.length).toBeGreaterThanOrEqual(2);
    await t.keyring.destroy(await newAccount());
    expect(await t.env.client.workflow.getHandle(workflowId).result()).toEqual({ expiredApiTokensDeleted: 0, oldUsageEventsDeleted: 0, exportsExpired: 0, financialRecordsDeleted: 0, locationPointsDeleted: 0 });
  });
});
