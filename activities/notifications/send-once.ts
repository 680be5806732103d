import { createHash } from 'node:crypto';
import type { Models } from '../../models/index.ts';
import type { Mailer } from '../../lib/mailer.ts';
import { isDuplicateKeyError } from '../../lib/mongo.ts';

export interface SendOnceInput {
  /** Idempotency key: workflow ID + step. The same key never produces a second mail once one was accepted. */
  key: string;
  accountId?: string;
  kind: string;
  to: string;
  subject: string;
  text: string;
  /** Optional HTML alternative and extra headers (List-Unsubscribe of nurturing mail, RFC 8058). */
  html?: string;
  headers?: Record<string, string>;
}

export interface SendOnceResult {
  messageId: string;
  alreadySent: boolean;
}

/** The attempt lost its claim to a newer one (it outlived its activity timeout): it must not commit. */
class SupersededSendError extends Error {
  override name = 'SupersededSendError';
}

/**
 * Claims the key in the notification ledger (each claim numbered: a fencing token), then sends, recording `sent`
 * while the relay holds the whole message but before the end-of-data mark that commits it (lib/mailer.ts):
 * - a worker killed before the record leaves no mail (the relay drops the unfinished message; the retry sends it);
 * - one killed after the record leaves it (the retry stops);
 * - an attempt that outlived its timeout while a retry claimed the key cannot record, so its message is dropped;
 * - a relay refusing the message after the mark gets the record taken back, so it is retried.
 */
export async function sendOnce({ Notification }: Models, mailer: Mailer, input: SendOnceInput): Promise<SendOnceResult> {
  const messageId = `<${createHash('sha256').update(input.key).digest('hex').slice(0, 32)}@loro.engine>`;
  const claimKey = () =>
    Notification.findOneAndUpdate(
      { _id: input.key },
      { $setOnInsert: { accountId: input.accountId, kind: input.kind, status: 'sending', messageId }, $inc: { attempts: 1 } },
      { upsert: true, returnDocument: 'after', setDefaultsOnInsert: false },
    ).lean();
  // Two first attempts racing to insert: one gets the duplicate-key error and claims again.
  const claim = await claimKey().catch((err: unknown) => (isDuplicateKeyError(err) ? claimKey() : Promise.reject(err)));
  if (claim!.status === 'sent') return { messageId: claim!.messageId, alreadySent: true };
  const attempt = claim!.attempts;

  let committed = false;
  const mail = { to: input.to, subject: input.subject, text: input.text, messageId, ...(input.html ? { html: input.html } : {}), ...(input.headers ? { headers: input.headers } : {}) };
  try {
    await mailer.send(mail, {
      beforeCommit: async () => {
        const { modifiedCount } = await Notification.updateOne({ _id: input.key, status: 'sending', attempts: attempt }, { $set: { status: 'sent', sentAt: new Date() } });
        if (modifiedCount !== 1) throw new SupersededSendError(`send ${input.key} attempt ${attempt} was superseded`);
        committed = true;
      },
    });
  } catch (err) {
    if (err instanceof SupersededSendError || (err as { cause?: unknown }).cause instanceof SupersededSendError) {
      const now = await Notification.findById(input.key).lean();
      if (now?.status === 'sent') return { messageId, alreadySent: true };
    }
    // An SMTP reply refusing the message: nothing was delivered. Without a reply (the connection broke after the
    // mark) the relay may have it: the record stays, so a retry cannot double it.
    if (committed && typeof (err as { responseCode?: unknown }).responseCode === 'number') {
      await Notification.updateOne({ _id: input.key, attempts: attempt }, { $set: { status: 'sending' }, $unset: { sentAt: 1 } });
    }
    throw err;
  }
  return { messageId, alreadySent: false };
}
