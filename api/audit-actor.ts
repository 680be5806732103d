import type { AuditEvent } from '../lib/audit/audit-log.ts';
import type { Principal } from './auth/principal.ts';

/** Who did it, as the audit log records it: an opaque user or token ID, never a name or address. */
export function actorOf(principal: Principal | null | undefined): AuditEvent['actor'] {
  if (!principal) return { kind: 'anonymous' };
  return principal.kind === 'user' ? { kind: 'user', id: principal.user.id } : { kind: 'token', id: principal.tokenId };
}
