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

/**
 * Claims the key in the notification ledger, sends, then marks it sent. A retry finds `sent` and stops.
 * If a worker died between the relay accepting the mail and the mark, the retry sends again with the same
 * Message-ID (at-least-once; receivers and the sink can recognise the duplicate): SMTP offers no way to ask.
 */
export async function sendOnce({ Notification }: Models, mailer: Mailer, input: SendOnceInput): Promise<SendOnceResult> {
  const messageId = `<${createHash('sha256').update(input.key).digest('hex').slice(0, 32)}@loro.engine>`;
  try {
    await Notification.create({ _id: input.key, accountId: input.accountId, kind: input.kind, status: 'sending', messageId });
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
    const existing = await Notification.findById(input.key).lean();
    if (existing?.status === 'sent') return { messageId: existing.messageId, alreadySent: true };
    await Notification.updateOne({ _id: input.key }, { $inc: { attempts: 1 } });
  }
  await mailer.send({ to: input.to, subject: input.subject, text: input.text, messageId, ...(input.html ? { html: input.html } : {}), ...(input.headers ? { headers: input.headers } : {}) });
  await Notification.updateOne({ _id: input.key }, { $set: { status: 'sent', sentAt: new Date() } });
  return { messageId, alreadySent: false };
}
