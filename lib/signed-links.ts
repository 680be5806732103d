/**
 * Signed, expiring tokens for links in mail (reactivate an account, download an export): whoever holds the link
 * may do that one thing until it expires, without signing in. The HMAC key is derived (HKDF) from the system data
 * key, so every process that holds the keyring can sign and verify and there is no further secret to manage.
 *
 *     token = base64url(JSON {p: purpose, s: subject, e: expiry in epoch seconds}) "." base64url(HMAC-SHA-256)
 *
 * The subject is an opaque ID (an account or export ID), never personal data: links end up in logs and proxies.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { SYSTEM_OWNER, type Keyring } from './crypto/keyring.ts';

/** Nurturing mail: `unsubscribe` and `preferences` (subject: the enrollment's workflow ID), `track-open` and `track-click` (see lib/nurturing-links.ts). */
export type LinkPurpose = 'reactivate-account' | 'download-export' | 'unsubscribe' | 'preferences' | 'track-open' | 'track-click';

export class LinkRefusedError extends Error {
  override name = 'LinkRefusedError';
  constructor(readonly reason: 'forged' | 'expired' | 'wrong-purpose') {
    super(`link refused: ${reason}`);
  }
}

export interface LinkClaims {
  purpose: LinkPurpose;
  subject: string;
  expiresAt: Date;
}

export function createLinkSigner(keyring: Keyring, clock: () => Date = () => new Date()) {
  const macKey = async () => {
    const system = await keyring.dataKeyFor(SYSTEM_OWNER);
    return Buffer.from(hkdfSync('sha256', system.key, Buffer.alloc(0), 'loro/signed-links/v1', 32));
  };
  const mac = (key: Buffer, body: string) => createHmac('sha256', key).update(body).digest();

  return {
    async sign({ purpose, subject, expiresAt }: LinkClaims): Promise<string> {
      const body = Buffer.from(JSON.stringify({ p: purpose, s: subject, e: Math.floor(expiresAt.getTime() / 1000) })).toString('base64url');
      return `${body}.${mac(await macKey(), body).toString('base64url')}`;
    },
    /** The claims of a genuine, unexpired token for `purpose`; LinkRefusedError otherwise. */
    async verify(token: string, purpose: LinkPurpose): Promise<LinkClaims> {
      const [body, signature, extra] = token.split('.');
      if (!body || !signature || extra !== undefined) throw new LinkRefusedError('forged');
      // Compared as text, not decoded: a decoder ignores the spare bits of the last character, so a changed last
      // character could otherwise still verify.
      const expected = Buffer.from(mac(await macKey(), body).toString('base64url'));
      const given = Buffer.from(signature);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new LinkRefusedError('forged');
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { p: LinkPurpose; s: string; e: number };
      if (claims.p !== purpose) throw new LinkRefusedError('wrong-purpose');
      const expiresAt = new Date(claims.e * 1000);
      if (expiresAt.getTime() <= clock().getTime()) throw new LinkRefusedError('expired');
      return { purpose: claims.p, subject: claims.s, expiresAt };
    },
  };
}

export type LinkSigner = ReturnType<typeof createLinkSigner>;
