/**
 * Outgoing mail over SMTP. A send with `beforeCommit` streams the whole message to the relay and runs the hook
 * before the end-of-data mark (the lone "." of RFC 5321) that makes the message the relay's to deliver: a relay
 * discards a message whose connection drops before that mark. Recording "sent" in the hook therefore closes the
 * duplicate window SMTP otherwise has: a process killed before the record leaves no mail (a retry sends it), one
 * killed after it leaves a record (a retry does not send). What remains is the instant between the record and
 * the mark, where a crash loses the mail instead of doubling it (RFC 1047 describes the same window on the relay's
 * side).
 */
import { Readable } from 'node:stream';
import nodemailer, { type Transporter } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { parseConnectionUrl } from 'nodemailer/lib/shared/index.js';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Deterministic Message-ID from the idempotency key: a resend after a crash is recognisable downstream. */
  messageId: string;
  headers?: Record<string, string>;
}

export interface SendOptions {
  /** Runs with the whole message at the relay, before the end-of-data mark; a rejection aborts the transaction. */
  beforeCommit?: () => Promise<void>;
}

export interface Mailer {
  send(mail: OutgoingMail, opts?: SendOptions): Promise<{ accepted: string[] }>;
  close(): void;
}

export interface MailerOptions {
  /** Fault tests: stop before each commit and wait to be killed (LORO_FAULT_PAUSE_AT=mail-before-commit). */
  pauseBeforeCommit?: (messageId: string) => void;
}

/** The message as one stream: its bytes first; the end (and so the relay's end-of-data mark) only after `commit`. */
function commitGatedStream(raw: Buffer, commit: () => Promise<void>): Readable {
  let stage: 'bytes' | 'commit' | 'done' = 'bytes';
  return new Readable({
    read() {
      if (stage === 'bytes') {
        stage = 'commit';
        this.push(raw);
      } else if (stage === 'commit') {
        // A second read means the transport took every byte: the relay has the message but not the mark.
        stage = 'done';
        commit().then(
          () => this.push(null),
          (err: unknown) => this.destroy(err instanceof Error ? err : new Error(String(err))),
        );
      }
    },
  });
}

export function createMailer(smtpUrl: string, from: string, opts: MailerOptions = {}): Mailer {
  // Pooled: a connection (greeting, EHLO, TLS, AUTH) serves up to 100 messages instead of one. Options in the
  // URL's query (`?pool=false`, `?maxConnections=2`) win over these.
  const transport: Transporter = nodemailer.createTransport({ pool: true, maxConnections: 5, maxMessages: 100, ...parseConnectionUrl(smtpUrl) });
  const accepted = (info: { accepted: (string | { address: string })[] }) => info.accepted.map((a) => (typeof a === 'string' ? a : a.address));
  return {
    async send(mail, { beforeCommit } = {}) {
      if (!beforeCommit) return { accepted: accepted(await transport.sendMail({ from, ...mail })) };
      const raw = await new MailComposer({ from, ...mail }).compile().build();
      const commit = async () => {
        if (opts.pauseBeforeCommit) {
          opts.pauseBeforeCommit(mail.messageId);
          await new Promise<never>(() => {});
        }
        await beforeCommit();
      };
      const info = await transport.sendMail({ envelope: { from, to: [mail.to] }, raw: commitGatedStream(raw, commit) });
      return { accepted: accepted(info) };
    },
    close: () => transport.close(),
  };
}
