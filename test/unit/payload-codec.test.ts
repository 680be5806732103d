/**
 * The encrypting payload codec on its own and through the SDK's data-converter helpers: round trip, whose key
 * (the account named by the workflow ID, else the system), typed errors for altered ciphertext and destroyed or
 * unknown keys, and plaintext payloads passing through. No services needed.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { defaultPayloadConverter, type Payload, type SerializationContext } from '@temporalio/common';
import {
  decodeFromPayloadsAtIndex,
  decodeOptionalFailureToOptionalError,
  encodeErrorToFailure,
  encodeToPayload,
  loadDataConverter,
} from '@temporalio/common/lib/internal-non-workflow/index.js';
import { EncryptionCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA, OWNER_METADATA, ownerOfContext, payloadOwner } from '../../lib/crypto/payload-codec.ts';
import { createDataConverter } from '../../lib/crypto/data-converter.ts';
import { SYSTEM_OWNER } from '../../lib/crypto/keyring.ts';
import { KeyDestroyedError, TamperedCiphertextError, UnknownKeyError } from '../../lib/crypto/errors.ts';
import { accountOfWorkflowId, workflowIds } from '../../contracts/workflow-ids.ts';
import { MemoryKeyring } from '../fixtures/memory-keyring.ts';

const newAccountId = () => `acc_${randomBytes(16).toString('hex')}`;
const text = (u?: Uint8Array | null) => (u ? Buffer.from(u).toString('utf8') : undefined);
const json = (value: unknown) => defaultPayloadConverter.toPayload(value);
const workflowCtx = (workflowId: string): SerializationContext => ({ type: 'workflow', namespace: 'default', workflowId });
const activityCtx = (workflowId: string): SerializationContext => ({ type: 'activity', namespace: 'default', workflowId, activityId: '1', isLocal: false });

function setup() {
  const keyring = new MemoryKeyring();
  return { keyring, codec: new EncryptionCodec({ keyring }) };
}

describe('accountOfWorkflowId', () => {
  it('reads the account from every account-scoped business key, and nothing from the others', () => {
    const accountId = newAccountId();
    expect(accountOfWorkflowId(workflowIds.accountOnboarding(accountId))).toBe(accountId);
    expect(accountOfWorkflowId(workflowIds.accountCancellation(accountId))).toBe(accountId);
    expect(accountOfWorkflowId(workflowIds.retentionSweep('2026-11-25'))).toBeUndefined();
    // Only a whole, delimited account ID counts.
    expect(accountOfWorkflowId(`x-${accountId}0`)).toBeUndefined();
    expect(accountOfWorkflowId(`x${accountId}`)).toBeUndefined();
    expect(accountOfWorkflowId(`x-${accountId.toUpperCase()}`)).toBeUndefined();
  });

  it('puts the workflows that shred their account’s key under the system key', () => {
    const accountId = newAccountId();
    for (const wf of [workflowIds.accountCancellation(accountId), workflowIds.cancellationExport(accountId)]) {
      expect(ownerOfContext(workflowCtx(wf))).toBe('system');
      expect(ownerOfContext(activityCtx(wf))).toBe('system');
    }
  });

  it('the codec’s owner is that account for workflow and activity contexts, the system otherwise', () => {
    const accountId = newAccountId();
    const wf = workflowIds.accountOnboarding(accountId);
    expect(ownerOfContext(workflowCtx(wf))).toBe(accountId);
    expect(ownerOfContext(activityCtx(wf))).toBe(accountId);
    expect(ownerOfContext(workflowCtx(workflowIds.retentionSweep('2026-11-25')))).toBe(SYSTEM_OWNER);
    expect(ownerOfContext({ type: 'activity', namespace: 'default', isLocal: false })).toBe(SYSTEM_OWNER);
    expect(ownerOfContext(undefined)).toBe(SYSTEM_OWNER);
  });
});

describe('EncryptionCodec', () => {
  it('round-trips payloads; the stored form shows only the encoding, key ID and owner', async () => {
    const { codec } = setup();
    const accountId = newAccountId();
    const originals = [json({ accountId, note: 'Olive Owner <olive@acme.example>' }), json('lapsed'), json(undefined), { metadata: {}, data: new Uint8Array() }];
    const encoded = await codec.encode(originals, workflowCtx(workflowIds.accountOnboarding(accountId)));
    expect(encoded).toHaveLength(originals.length);
    for (const p of encoded) {
      expect(Object.keys(p.metadata!).sort()).toEqual(['encoding', KEY_ID_METADATA, OWNER_METADATA].sort());
      expect(text(p.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
      expect(text(p.metadata![OWNER_METADATA])).toBe(accountId);
      expect(Buffer.from(p.data!).includes('olive')).toBe(false);
      expect(Buffer.from(p.data!).includes('json/plain')).toBe(false);
    }
    const decoded = await codec.decode(encoded);
    expect(decoded.slice(0, 3).map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([{ accountId, note: 'Olive Owner <olive@acme.example>' }, 'lapsed', undefined]);
    // A payload without metadata or data survives too (the codec does not interpret payloads).
    expect({ metadata: decoded[3]!.metadata, data: Buffer.from(decoded[3]!.data ?? []) }).toEqual({ metadata: {}, data: Buffer.alloc(0) });
    expect(text(decoded[0]!.metadata!.encoding)).toBe('json/plain');
  });

  it('encrypts a fresh IV every time: equal values give different ciphertexts', async () => {
    const { codec } = setup();
    const [a, b] = await codec.encode([json('same'), json('same')]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('uses the owning account’s key for an account’s workflow and the system key otherwise', async () => {
    const { codec, keyring } = setup();
    const accountId = newAccountId();
    const other = newAccountId();
    const [own] = await codec.encode([json(1)], workflowCtx(workflowIds.accountOnboarding(accountId)));
    const [act] = await codec.encode([json(2)], activityCtx(workflowIds.accountOnboarding(accountId)));
    const [otherOwn] = await codec.encode([json(3)], workflowCtx(workflowIds.accountOnboarding(other)));
    const [sys] = await codec.encode([json(4)], workflowCtx(workflowIds.retentionSweep('2026-11-25')));
    const [noCtx] = await codec.encode([json(5)]);
    const keyId = (p?: Payload) => text(p!.metadata![KEY_ID_METADATA]);
    expect(keyId(own)).toBe((await keyring.dataKeyFor(accountId)).keyId);
    expect(keyId(act)).toBe(keyId(own));
    expect(keyId(otherOwn)).toBe((await keyring.dataKeyFor(other)).keyId);
    expect(keyId(sys)).toBe((await keyring.dataKeyFor(SYSTEM_OWNER)).keyId);
    expect(keyId(noCtx)).toBe(keyId(sys));
    expect([own, act, otherOwn, sys, noCtx].map((p) => payloadOwner(p!))).toEqual([accountId, accountId, other, SYSTEM_OWNER, SYSTEM_OWNER]);
  });

  it('passes payloads without the encrypted encoding through unchanged (histories from before encryption)', async () => {
    const { codec, keyring } = setup();
    const plain = [json({ accountId: 'acc_x' }), { data: new Uint8Array([1, 2]) }];
    const decoded = await codec.decode(plain);
    expect(decoded[0]).toBe(plain[0]);
    expect(decoded[1]).toBe(plain[1]);
    expect(keyring.calls.dataKeyById).toBe(0);
  });

  it('decodes a mixed batch with one keyring lookup per key', async () => {
    const { codec, keyring } = setup();
    const accountId = newAccountId();
    const enc = await codec.encode([json('a'), json('b'), json('c')], workflowCtx(workflowIds.accountOnboarding(accountId)));
    const before = keyring.calls.dataKeyById;
    const decoded = await codec.decode([enc[0]!, json('plain'), enc[1]!, enc[2]!]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual(['a', 'plain', 'b', 'c']);
    expect(keyring.calls.dataKeyById - before).toBe(1);
  });

  it('still decodes payloads under an owner’s older key after rotation', async () => {
    const { codec, keyring } = setup();
    const accountId = newAccountId();
    const ctx = workflowCtx(workflowIds.accountOnboarding(accountId));
    const [old] = await codec.encode([json('before')], ctx);
    keyring.rotate(accountId);
    const [current] = await codec.encode([json('after')], ctx);
    expect(text(old!.metadata![KEY_ID_METADATA])).not.toBe(text(current!.metadata![KEY_ID_METADATA]));
    expect((await codec.decode([old!, current!])).map((p) => defaultPayloadConverter.fromPayload(p))).toEqual(['before', 'after']);
  });

  describe('typed errors, never garbage', () => {
    const encodeOne = async (codec: EncryptionCodec, owner = newAccountId()) =>
      (await codec.encode([json({ secret: 'x' })], workflowCtx(workflowIds.accountOnboarding(owner))))[0]!;

    it('altered ciphertext, IV or tag → TamperedCiphertextError', async () => {
      const { codec } = setup();
      const p = await encodeOne(codec);
      for (const at of [0, 12, p.data!.length - 1]) {
        const data = Buffer.from(p.data!);
        data[at]! ^= 0x01;
        await expect(codec.decode([{ ...p, data }])).rejects.toBeInstanceOf(TamperedCiphertextError);
      }
      await expect(codec.decode([{ ...p, data: p.data!.subarray(0, 20) }])).rejects.toBeInstanceOf(TamperedCiphertextError);
    });

    it('a payload moved to another owner or key (metadata swapped) → TamperedCiphertextError', async () => {
      const { codec } = setup();
      const a = await encodeOne(codec);
      const b = await encodeOne(codec);
      // b's ciphertext under a's key ID and owner: the AAD no longer matches.
      await expect(codec.decode([{ metadata: a.metadata, data: b.data }])).rejects.toBeInstanceOf(TamperedCiphertextError);
      // The owner label changed to another account, key ID kept.
      await expect(codec.decode([{ metadata: { ...a.metadata, [OWNER_METADATA]: b.metadata![OWNER_METADATA]! }, data: a.data }])).rejects.toBeInstanceOf(
        TamperedCiphertextError,
      );
      // Encrypted encoding without the key ID.
      await expect(codec.decode([{ metadata: { encoding: a.metadata!.encoding! }, data: a.data }])).rejects.toBeInstanceOf(TamperedCiphertextError);
    });

    it('after destroy(owner) its payloads throw KeyDestroyedError; other owners’ still decode', async () => {
      const { codec, keyring } = setup();
      const shredded = newAccountId();
      const kept = newAccountId();
      const gone = await encodeOne(codec, shredded);
      const stays = await encodeOne(codec, kept);
      const [sys] = await codec.encode([json('system')]);
      const { keyIds } = await keyring.destroy(shredded);
      expect(keyIds).toEqual([text(gone.metadata![KEY_ID_METADATA])]);
      const err = await codec.decode([gone]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KeyDestroyedError);
      expect((err as KeyDestroyedError).keyId).toBe(keyIds[0]);
      // A batch with one shredded payload fails as a whole: no partial results.
      await expect(codec.decode([stays, gone])).rejects.toBeInstanceOf(KeyDestroyedError);
      expect((await codec.decode([stays, sys!])).map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([{ secret: 'x' }, 'system']);
    });

    it('a key ID no keyring knows → UnknownKeyError', async () => {
      const { codec } = setup();
      const p = await encodeOne(codec);
      const other = new EncryptionCodec({ keyring: new MemoryKeyring() });
      await expect(other.decode([p])).rejects.toBeInstanceOf(UnknownKeyError);
    });
  });
});

describe('createDataConverter (through the SDK’s own helpers)', () => {
  const keyring = new MemoryKeyring();
  const converter = loadDataConverter(createDataConverter(keyring));
  const accountId = newAccountId();
  const ctx = workflowCtx(workflowIds.accountOnboarding(accountId));

  it('values encode to account-owned encrypted payloads and decode back', async () => {
    const payload = await encodeToPayload(converter, { accountId }, ctx);
    expect(text(payload.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(payloadOwner(payload)).toBe(accountId);
    expect(await decodeFromPayloadsAtIndex(converter, 0, [payload], ctx)).toEqual({ accountId });
  });

  it('failures carry their message and stack trace in an encrypted payload, not in plain text', async () => {
    const failure = await encodeErrorToFailure(converter, new Error('account acc_secret does not exist'), ctx);
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');
    expect(text(failure.encodedAttributes!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(payloadOwner(failure.encodedAttributes!)).toBe(accountId);
    expect(JSON.stringify(failure)).not.toContain('acc_secret');
    const err = await decodeOptionalFailureToOptionalError(converter, failure, ctx);
    expect(err?.message).toBe('account acc_secret does not exist');
  });
});
