/**
 * The links in nurturing mail, all signed (lib/signed-links.ts) so nobody can unsubscribe someone else, fake
 * engagement or use the click redirect as an open redirect:
 * - unsubscribe: subject = the enrollment's workflow ID (`/api/unsubscribe/<token>`, RFC 8058 one-click POST);
 * - preference centre: subject = the enrollment's workflow ID (`/api/preferences/<token>`);
 * - open pixel: subject = `<workflowId> <stepId>` (`/t/o/<token>.gif`);
 * - click: subject = `<workflowId> <stepId> <target URL>` (`/t/c/<token>`): only URLs written into the sequence's
 *   template were ever signed, so the redirect goes nowhere else.
 * Subjects hold IDs and the template's URLs, never personal data.
 */
import type { LinkSigner } from './signed-links.ts';

/** Links in mail stay valid for a year: an unsubscribe link must work long after the mail went out. */
export const NURTURING_LINK_TTL_MS = 365 * 86_400_000;

export function nurturingLinks(links: LinkSigner, publicUrl: string, clock: () => Date = () => new Date()) {
  const expiresAt = () => new Date(clock().getTime() + NURTURING_LINK_TTL_MS);
  return {
    async unsubscribe(workflowId: string) {
      const token = await links.sign({ purpose: 'unsubscribe', subject: workflowId, expiresAt: expiresAt() });
      return { token, url: `${publicUrl}/api/unsubscribe/${token}` };
    },
    async preferences(workflowId: string) {
      return `${publicUrl}/api/preferences/${await links.sign({ purpose: 'preferences', subject: workflowId, expiresAt: expiresAt() })}`;
    },
    async openPixel(workflowId: string, stepId: string) {
      return `${publicUrl}/t/o/${await links.sign({ purpose: 'track-open', subject: `${workflowId} ${stepId}`, expiresAt: expiresAt() })}.gif`;
    },
    async click(workflowId: string, stepId: string, target: string) {
      return `${publicUrl}/t/c/${await links.sign({ purpose: 'track-click', subject: `${workflowId} ${stepId} ${target}`, expiresAt: expiresAt() })}`;
    },
  };
}

/** Splits a verified subject back into its parts. */
export function parseLinkSubject(subject: string): { workflowId: string; stepId?: string; target?: string } {
  const [workflowId, stepId, ...rest] = subject.split(' ');
  return { workflowId: workflowId!, stepId, target: rest.length ? rest.join(' ') : undefined };
}
