/**
 * The codec server over HTTP, as the Temporal Web UI calls it: engineers and admins decode and encode, ops cannot,
 * anonymous callers must sign in; CORS answers the Web UI's origin only; a shredded account's payload answers a
 * problem naming why. Without a keyring the routes answer 503. The engine runs on the in-memory test keyring.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestHandler } from 'express';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import { createApp } from '../../api/app.ts';
import { EncryptionCodec, ENCRYPTED_ENCODING, payloadOwner } from '../../lib/crypto/payload-codec.ts';
import { addUser, HttpSession, startEngine, type Engine } from '../fixtures/engine.ts';
import { MemoryKeyring } from '../fixtures/memory-keyring.ts';

const UI_ORIGIN = 'http://127.0.0.1:8233';
const keyring = new MemoryKeyring();
const codec = new EncryptionCodec({ keyring });
let engine: Engine;
let engineer: HttpSession;
let admin: HttpSession;
let ops: HttpSession;

beforeAll(async () => {
  engine = await startEngine({ keyring, worker: false, env: { TEMPORAL_UI_URL: `${UI_ORIGIN}/` } });
  const [e, a, o] = await Promise.all([addUser(engine, ['engineer']), addUser(engine, ['admin']), addUser(engine, ['ops'])]);
  [engineer, admin, ops] = await Promise.all([HttpSession.signIn(engine.baseUrl, e.email), HttpSession.signIn(engine.baseUrl, a.email), HttpSession.signIn(engine.baseUrl, o.email)]);
});
afterAll(() => engine?.close());

const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});
const fromJson = (p: { metadata?: Record<string, string>; data?: string }): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const value = (p: { metadata?: Record<string, string>; data?: string }) => defaultPayloadConverter.fromPayload(fromJson(p));
const newAccountId = () => `acc_${randomBytes(16).toString('hex')}`;

async function accountPayloads(accountId: string, ...values: unknown[]) {
  const encoded = await codec.encode(
    values.map((v) => defaultPayloadConverter.toPayload(v)),
    { type: 'workflow', namespace: 'default', workflowId: workflowIds.accountOnboarding(accountId) },
  );
  return encoded.map(toJson);
}

const ui = { origin: UI_ORIGIN, 'x-namespace': 'default' };

describe('POST /api/codec/decode and /encode', () => {
  it('an engineer decodes an account’s payloads as the Web UI sends them; plaintext ones come back unchanged', async () => {
    const accountId = newAccountId();
    const payloads = [...(await accountPayloads(accountId, { accountId }, 'welcomed')), toJson(defaultPayloadConverter.toPayload('plain'))];
    const res = await engineer.request('POST', '/api/codec/decode', { payloads }, ui);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.json.payloads.map(value)).toEqual([{ accountId }, 'welcomed', 'plain']);
    expect(Buffer.from(res.json.payloads[0].metadata.encoding, 'base64').toString()).toBe('json/plain');
    // The CORS headers of the UI's origin are on the actual response too.
    expect(res.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('an admin encodes (system key) and the result decodes back', async () => {
    const res = await admin.request('POST', '/api/codec/encode', { payloads: [toJson(defaultPayloadConverter.toPayload({ n: 1 }))] }, ui);
    expect(res.status).toBe(200);
    const [encoded] = res.json.payloads.map(fromJson) as Payload[];
    expect(Buffer.from(encoded!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(payloadOwner(encoded!)).toBe('system');
    const back = await admin.request('POST', '/api/codec/decode', { payloads: res.json.payloads }, ui);
    expect(back.json.payloads.map(value)).toEqual([{ n: 1 }]);
  });

  it('ops get 403, anonymous callers 401 — for both endpoints', async () => {
    const payloads = await accountPayloads(newAccountId(), 'x');
    for (const path of ['/api/codec/decode', '/api/codec/encode']) {
      expect((await ops.request('POST', path, { payloads }, ui)).status).toBe(403);
      const anonymous = await new HttpSession(engine.baseUrl).request('POST', path, { payloads }, ui);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('a shredded account’s payload answers 400 key-destroyed; a tampered one 400 tampered-payload', async () => {
    const accountId = newAccountId();
    const payloads = await accountPayloads(accountId, 'secret');
    const tampered = { ...payloads[0]!, data: Buffer.from(Buffer.from(payloads[0]!.data, 'base64').map((b, i) => (i === 20 ? b ^ 1 : b))).toString('base64') };
    const bad = await engineer.request('POST', '/api/codec/decode', { payloads: [tampered] }, ui);
    expect(bad.status).toBe(400);
    expect(bad.json.type).toMatch(/tampered-payload$/);

    await keyring.destroy(accountId);
    const res = await engineer.request('POST', '/api/codec/decode', { payloads }, ui);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.json.type).toMatch(/key-destroyed$/);
    expect(res.text).not.toContain('secret');
  });

  it('rejects a body that is not payloads, and another namespace', async () => {
    const notBase64 = await engineer.request('POST', '/api/codec/decode', { payloads: [{ data: 'not base64!' }] }, ui);
    expect(notBase64.status).toBe(400);
    expect(notBase64.json.errors.map((e: { path: string }) => e.path)).toEqual(['/body/payloads/0/data']);
    const otherNs = await engineer.request('POST', '/api/codec/decode', { payloads: [] }, { ...ui, 'x-namespace': 'someone-else' });
    expect(otherNs.status).toBe(400);
    expect(otherNs.json.type).toMatch(/wrong-namespace$/);
  });
});

describe('CORS for the Temporal Web UI', () => {
  const preflight = (origin: string, path = '/api/codec/decode') =>
    fetch(engine.baseUrl + path, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' },
    });

  it('answers the UI origin’s preflight with the methods, headers and credentials it needs', async () => {
    for (const path of ['/api/codec/decode', '/api/codec/encode']) {
      const res = await preflight(UI_ORIGIN, path);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
      expect(res.headers.get('access-control-allow-methods')).toContain('POST');
      expect(res.headers.get('access-control-allow-headers')?.toLowerCase().split(/,\s*/)).toEqual(expect.arrayContaining(['content-type', 'x-namespace', 'authorization']));
      expect(res.headers.get('vary')).toContain('Origin');
    }
  });

  it('gives any other origin no CORS headers, on the codec path or elsewhere', async () => {
    const res = await preflight('http://evil.example');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const decode = await engineer.request('POST', '/api/codec/decode', { payloads: [] }, { origin: 'http://evil.example' });
    expect(decode.headers.get('access-control-allow-origin')).toBeNull();
    const elsewhere = await engineer.request('GET', '/healthz', undefined, { origin: UI_ORIGIN });
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('without a keyring', () => {
  it('the codec routes answer 503 codec-not-configured', async () => {
    // The same API built from deps without a keyring (processes always have one; hand-built deps may not), with a
    // session stub that signs the engineer in.
    const user = await addUser(engine, ['engineer']);
    const signedIn: RequestHandler = (req, _res, next) => {
      (req as unknown as { session: { userId: string } }).session = { userId: user.id };
      next();
    };
    const { app } = createApp({ ...engine.deps, keyring: undefined as never }, { sessionSecret: 'x'.repeat(32), session: signedIn });
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const res = await new HttpSession(`http://127.0.0.1:${(server.address() as AddressInfo).port}`).request('POST', '/api/codec/decode', { payloads: [] });
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.json).toMatchObject({ title: 'Codec not configured', type: expect.stringMatching(/codec-not-configured$/) });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
