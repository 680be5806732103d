/**
 * The codec server: the Temporal Web UI (and the console) send a history's encrypted payloads here to show them
 * decoded. Protocol of the Web UI: POST <endpoint>/decode and <endpoint>/encode with `{ payloads: [...] }` as
 * proto3 JSON (metadata values and data base64), the namespace in `X-Namespace`; a codec error answers 400.
 *
 * Access: signed-in engineers and admins only — decoding shows customers' data. In the Web UI set the codec
 * endpoint to `<API>/api/codec` and enable "Include cross-origin credentials" (the console's session cookie goes
 * along); "Pass access token" sends the UI's own OIDC token, which the API does not accept. Every decode is logged
 * with who asked and which owners' payloads were decoded (opaque IDs only), never the payloads.
 *
 * /encode has no workflow context (the protocol carries none), so it encrypts under the system key: input the
 * Web UI sends to an account's workflow is not covered by that account's crypto-shredding.
 */
import express, { type RequestHandler } from 'express';
import type { Payload } from '@temporalio/common';
import { problemSchema } from '../../schemas/common.ts';
import { EncryptionCodec, payloadOwner } from '../../lib/crypto/payload-codec.ts';
import { CryptoError } from '../../lib/crypto/errors.ts';
import type { ApiDeps } from '../deps.ts';
import { HttpProblem } from '../problem.ts';
import { defineRoute } from './registry.ts';

export const CODEC_PATH = '/api/codec';
/** Payloads reach 2 MiB in Temporal; base64 adds a third. */
const BODY_LIMIT = '8mb';
const base64 = { type: 'string', pattern: '^[A-Za-z0-9+/_-]*={0,2}$' } as const;

const payloadJsonSchema = {
  type: 'object',
  description: 'A Temporal Payload as proto3 JSON: every metadata value and the data base64',
  properties: {
    metadata: { type: 'object', additionalProperties: base64 },
    data: base64,
  },
} as const;

export const codecPayloadsSchema = {
  type: 'object',
  required: ['payloads'],
  properties: { payloads: { type: 'array', maxItems: 10_000, items: payloadJsonSchema } },
} as const;

type PayloadJson = { metadata?: Record<string, string>; data?: string };

const fromJson = (p: PayloadJson): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const b64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
const toJson = (p: Payload): PayloadJson => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])),
  data: b64(p.data ?? new Uint8Array()),
});

/** The crypto layer's typed errors → 400 problems naming what went wrong; anything else (a master key problem) → 500. */
function codecProblem(err: unknown): unknown {
  if (!(err instanceof CryptoError)) return err;
  switch (err.code) {
    case 'key-destroyed':
      return new HttpProblem(400, 'key-destroyed', 'The payload’s data key was destroyed', `${err.message} (the owner’s data was crypto-shredded)`);
    case 'unknown-key':
      return new HttpProblem(400, 'unknown-key', 'The payload names an unknown data key', err.message);
    case 'tampered-ciphertext':
    case 'wrong-context':
      return new HttpProblem(400, 'tampered-payload', 'The encrypted payload was altered or is malformed', err.message);
    default:
      return err;
  }
}

/**
 * CORS for the Temporal Web UI's origin, on the codec path only: preflights answer here (before sessions and
 * routes), actual requests get the allow-origin/credentials headers and continue to the declared routes.
 */
export function codecCors(uiUrl: string | undefined): RequestHandler {
  const allowed = uiUrl ? new URL(uiUrl).origin : undefined;
  return (req, res, next) => {
    res.vary('Origin');
    const fromUi = allowed !== undefined && req.headers.origin === allowed;
    if (fromUi) res.set({ 'access-control-allow-origin': allowed, 'access-control-allow-credentials': 'true' });
    if (req.method !== 'OPTIONS') return next();
    if (fromUi) {
      res.set({
        'access-control-allow-methods': 'POST, OPTIONS',
        'access-control-allow-headers': 'Content-Type, X-Namespace, Authorization',
        'access-control-max-age': '600',
      });
    }
    // Other origins get no allow headers: the browser refuses their request.
    res.status(204).end();
  };
}

/** Middleware of the codec path, mounted before the app's own (CORS first; a larger JSON body limit than elsewhere). */
export const codecMiddleware = ({ config }: Pick<ApiDeps, 'config'>): RequestHandler[] => [codecCors(config.temporal.uiUrl), express.json({ limit: BODY_LIMIT })];

export const codecRoutes = ({ keyring, config }: ApiDeps) => {
  const codec = keyring ? new EncryptionCodec({ keyring }) : undefined;
  const ready = (namespace: string | undefined) => {
    if (!codec) throw new HttpProblem(503, 'codec-not-configured', 'Codec not configured', 'This engine runs without a keyring: payloads are not encrypted');
    if (namespace !== undefined && namespace !== config.temporal.namespace) {
      throw new HttpProblem(400, 'wrong-namespace', 'Not this engine’s namespace', `This codec serves the namespace ${config.temporal.namespace}`);
    }
    return codec;
  };
  const namespaceOf = (header: string | string[] | undefined) => (typeof header === 'string' && header !== '' ? header : undefined);
  const responses = {
    200: { description: 'the payloads, same order', schema: codecPayloadsSchema },
    400: { description: 'malformed body, wrong namespace, or a payload that cannot be decoded (destroyed or unknown key, altered)', schema: problemSchema },
    503: { description: 'no keyring configured', schema: problemSchema },
  };
  return [
    defineRoute({
      method: 'post',
      path: `${CODEC_PATH}/decode`,
      summary: 'Codec server: decrypt Temporal payloads (Temporal Web UI protocol)',
      tag: 'codec',
      access: { roles: ['engineer', 'admin'] },
      body: codecPayloadsSchema,
      responses,
      async handler({ body, req, res, principal }) {
        const c = ready(namespaceOf(req.headers['x-namespace']));
        const input = body.payloads.map(fromJson);
        const decoded = await c.decode(input).catch((err: unknown) => Promise.reject(codecProblem(err)));
        const owners = [...new Set(input.map(payloadOwner).filter((o) => o !== undefined))];
        req.log.info({ userId: principal?.kind === 'user' ? principal.user.id : undefined, payloads: input.length, owners }, 'codec decode');
        res.set('cache-control', 'no-store');
        return { payloads: decoded.map(toJson) };
      },
    }),
    defineRoute({
      method: 'post',
      path: `${CODEC_PATH}/encode`,
      summary: 'Codec server: encrypt Temporal payloads under the system key (Temporal Web UI protocol)',
      tag: 'codec',
      access: { roles: ['engineer', 'admin'] },
      body: codecPayloadsSchema,
      responses,
      async handler({ body, req, res }) {
        const c = ready(namespaceOf(req.headers['x-namespace']));
        const encoded = await c.encode(body.payloads.map(fromJson)).catch((err: unknown) => Promise.reject(codecProblem(err)));
        res.set('cache-control', 'no-store');
        return { payloads: encoded.map(toJson) };
      },
    }),
  ];
};
