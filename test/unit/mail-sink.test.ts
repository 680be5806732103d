/**
 * The local mail sink outlives senders that vanish mid-conversation (a worker killed by a fault test), and stops
 * promptly while a sender's pooled connection is still open.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMailer } from '../../lib/mailer.ts';
import { listMessages, startMailSink } from '../../services/mail-sink.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/**
 * Opens an SMTP conversation and stops inside the transaction (after MAIL FROM and RCPT TO) once the sink has
 * answered everything sent, so the sink is waiting for more when the connection is reset.
 */
function openTransaction(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const script = ['EHLO killed.test', 'MAIL FROM:<a@loro.test>', 'RCPT TO:<b@loro.test>', 'NOOP'];
    let buffered = '';
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\r\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (!/^\d{3} /.test(line)) continue; // a continuation line of a multi-line reply
        const next = script.shift();
        if (next) socket.write(`${next}\r\n`);
        else resolve(socket); // the answer to NOOP: the sink has read everything
      }
    });
  });
}

describe('mail sink', () => {
  it('keeps serving after a sender resets its connection in the middle of a transaction', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loro-sink-'));
    dirs.push(dir);
    const sink = await startMailSink({ dir });
    try {
      const socket = await openTransaction(sink.smtpPort);
      const closed = new Promise((r) => socket.once('close', r));
      socket.resetAndDestroy(); // TCP RST, as when the sending process is SIGKILLed
      await closed;

      const mailer = createMailer(sink.smtpUrl, 'engine@loro.test');
      await mailer.send({ to: 'b@loro.test', subject: 'after the reset', text: 'still here', messageId: '<after-reset@loro.test>' });
      mailer.close();
      const messages = await listMessages(dir);
      expect(messages.map((m) => m.subject)).toEqual(['after the reset']);
    } finally {
      await sink.stop();
    }
  });

  it('reuses one pooled connection for several messages and stops without waiting for it to close', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loro-sink-'));
    dirs.push(dir);
    const sink = await startMailSink({ dir });
    const mailer = createMailer(sink.smtpUrl, 'engine@loro.test');
    try {
      for (const n of [1, 2, 3]) await mailer.send({ to: 'b@loro.test', subject: `pooled ${n}`, text: 'x', messageId: `<pooled-${n}@loro.test>` });
      expect((await listMessages(dir)).map((m) => m.subject).sort()).toEqual(['pooled 1', 'pooled 2', 'pooled 3']);
      expect(sink.connections()).toBe(1);
      const started = Date.now();
      await sink.stop(); // the mailer's connection is still open
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      mailer.close();
    }
  });
});
