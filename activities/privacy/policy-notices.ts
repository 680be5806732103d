/**
 * The activities of the policy-change broadcast (workflows/policy-change-broadcast.ts): count and page through the
 * audience — IDs only, so no address ever enters the workflow history — and mail one batch, each recipient through
 * the notification ledger (send-once.ts) under a key of version + recipient: exactly one notice per person and
 * version, however often a batch is retried.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Models } from '../../models/index.ts';
import type { PolicyAudience } from '../../models/policy-acknowledgement.ts';
import type { Mailer } from '../../lib/mailer.ts';
import { KeyDestroyedError } from '../../lib/crypto/errors.ts';
import { countPolicyAudience, stampAcknowledgement } from '../../lib/policy.ts';
import { workflowIds } from '../../contracts/workflow-ids.ts';
import { sendOnce } from '../notifications/send-once.ts';

export interface PolicyRecipient {
  type: PolicyAudience;
  id: string;
}

/** Where the paging stands: console users first, then account owners, each in `_id` order. */
export interface PolicyRecipientCursor {
  audience: PolicyAudience;
  /** The last `_id` handed out in this audience; null at its start. */
  after: string | null;
}

export interface PolicyNoticeBatchResult {
  sent: number;
  alreadySent: number;
  skipped: number;
}

/** The idempotency key of one person's notice of one version. */
export const policyNoticeKey = (version: number, r: PolicyRecipient) => `${workflowIds.policyChangeBroadcast(version)}:${r.type}:${r.id}`;

export const policyChangeTemplate = (p: { name: string; version: number; effectiveAt: Date; summary: string; url: string }) => ({
  subject: `Changes to the LORO CRM privacy policy (version ${p.version})`,
  text:
    `Hello ${p.name},\n\nwe have updated our privacy policy. Version ${p.version} takes effect on ${p.effectiveAt.toISOString().slice(0, 10)}.\n\n` +
    `What changes:\n${p.summary}\n\nRead the full policy: ${p.url}\n\nThe LORO team\n`,
});

export function createPolicyNoticeActivities({ models, mailer, crmUrl }: { models: Models; mailer: Mailer; crmUrl: string }) {
  /** Name and address of a recipient who should still hear from us, or null (disabled, cancelled, gone, shredded). */
  const loadRecipient = async (r: PolicyRecipient): Promise<{ name: string; email: string } | null> => {
    try {
      if (r.type === 'user') {
        const user = await models.User.findById(r.id).lean();
        return user && !user.disabled ? { name: user.name, email: user.email } : null;
      }
      const account = await models.Account.findById(r.id).lean();
      return account?.owner && account.status === 'active' ? { name: account.owner.name, email: account.owner.email } : null;
    } catch (err) {
      if (err instanceof KeyDestroyedError) return null;
      throw err;
    }
  };

  return {
    async countPolicyRecipients(): Promise<number> {
      const { users, accountOwners } = await countPolicyAudience(models);
      return users + accountOwners;
    },

    /** Up to `limit` recipients after the cursor, and the cursor after them (null when everyone was listed). */
    async listPolicyRecipients(cursor: PolicyRecipientCursor, limit: number): Promise<{ recipients: PolicyRecipient[]; next: PolicyRecipientCursor | null }> {
      const after = cursor.after ? { _id: { $gt: cursor.after } } : {};
      const docs: { _id: string }[] =
        cursor.audience === 'user'
          ? await models.User.find({ ...after, disabled: { $ne: true } }, { _id: 1 }).sort({ _id: 1 }).limit(limit).lean()
          : await models.Account.find({ ...after, status: 'active' }, { _id: 1 }).sort({ _id: 1 }).limit(limit).lean();
      const recipients = docs.map((d) => ({ type: cursor.audience, id: d._id }));
      const next: PolicyRecipientCursor | null =
        docs.length === limit ? { audience: cursor.audience, after: docs.at(-1)!._id } : cursor.audience === 'user' ? { audience: 'account-owner', after: null } : null;
      return { recipients, next };
    },

    /** Mails the batch one by one, heartbeating after each; recipients the ledger has as sent are not mailed again. */
    async sendPolicyNotices(version: number, recipients: PolicyRecipient[]): Promise<PolicyNoticeBatchResult> {
      const policy = await models.PolicyVersion.findById(version).lean();
      if (!policy) throw ApplicationFailure.create({ type: 'PolicyVersionNotFound', message: `privacy policy version ${version} does not exist`, nonRetryable: true });
      const result: PolicyNoticeBatchResult = { sent: 0, alreadySent: 0, skipped: 0 };
      for (const [i, r] of recipients.entries()) {
        const person = await loadRecipient(r);
        if (!person) {
          result.skipped++;
        } else {
          const { subject, text } = policyChangeTemplate({ name: person.name, version, effectiveAt: policy.effectiveAt, summary: policy.summary, url: `${crmUrl}/privacy-policy` });
          const sent = await sendOnce(models, mailer, {
            key: policyNoticeKey(version, r),
            accountId: r.type === 'account-owner' ? r.id : undefined,
            kind: 'policyChange',
            to: person.email,
            subject,
            text,
          });
          await stampAcknowledgement(models, version, r, ['notifiedAt']);
          if (sent.alreadySent) result.alreadySent++;
          else result.sent++;
        }
        Context.current().heartbeat({ done: i + 1, of: recipients.length });
      }
      return result;
    },
  };
}
