/**
 * Signed links: a genuine token verifies; any changed character of it — including the last one of the signature,
 * whose spare bits a base64 decoder ignores — is refused as forged. Keys come from the real MongoDB keyring.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Connection } from 'mongoose';
import { connectMongo } from '../../lib/mongo.ts';
import { createKeyring } from '../../lib/crypto/mongo-keyring.ts';
import { createLinkSigner, LinkRefusedError, type LinkSigner } from '../../lib/signed-links.ts';
import { testConfig } from '../fixtures/engine.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
let mongo: Connection;
let links: LinkSigner;

beforeAll(async () => {
  const config = testConfig();
  mongo = await connectMongo(config.mongoUri);
  links = createLinkSigner(await createKeyring(mongo, config));
});
afterAll(async () => {
  await mongo?.dropDatabase();
  await mongo?.close();
});

const refusal = (token: string) => links.verify(token, 'track-click').then(() => 'accepted', (e: unknown) => (e instanceof LinkRefusedError ? e.reason : String(e)));

it('refuses every other last character of the signature and of the body', async () => {
  const subject = 'wf-1 intro https://offer.example/';
  const token = await links.sign({ purpose: 'track-click', subject, expiresAt: new Date(Date.now() + 3_600_000) });
  expect((await links.verify(token, 'track-click')).subject).toBe(subject);
  const dot = token.indexOf('.');
  for (const at of [token.length - 1, dot - 1]) {
    for (const c of ALPHABET.replace(token[at]!, '')) {
      const changed = token.slice(0, at) + c + token.slice(at + 1);
      expect(await refusal(changed), `character ${at} → ${c}`).toBe('forged');
    }
  }
});
