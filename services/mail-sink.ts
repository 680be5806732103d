/**
 * The local SMTP sink: accepts every message over a real SMTP conversation, keeps it as an .eml file in its
 * folder (so a restart keeps the outbox) and lists the messages over HTTP for the console and the tests.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

export interface SinkMessage {
  id: string;
  messageId: string | null;
  from: string;
  to: string[];
  subject: string;
  date: string;
  text: string;
  html: string | null;
  headers: Record<string, string>;
}

export interface MailSink {
  smtpPort: number;
  httpPort: number;
  smtpUrl: string;
  httpUrl: string;
  /** SMTP connections accepted so far (senders pool theirs: one carries many messages). */
  connections(): number;
  stop(): Promise<void>;
}

async function parse(id: string, raw: Buffer): Promise<SinkMessage> {
  const mail = await simpleParser(raw);
  const headers: Record<string, string> = {};
  for (const line of mail.headerLines) headers[line.key] = line.line.slice(line.line.indexOf(':') + 1).trim();
  const addresses = (v: typeof mail.to) => (v ? (Array.isArray(v) ? v : [v]).flatMap((a) => a.value.map((x) => x.address ?? '')) : []);
  return {
    id,
    messageId: mail.messageId ?? null,
    from: mail.from?.value[0]?.address ?? '',
    to: addresses(mail.to),
    subject: mail.subject ?? '',
    date: (mail.date ?? new Date()).toISOString(),
    text: mail.text ?? '',
    html: typeof mail.html === 'string' ? mail.html : null,
    headers,
  };
}

export async function listMessages(dir: string): Promise<SinkMessage[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.eml')).sort();
  const messages = await Promise.all(files.map(async (f) => parse(f.replace(/\.eml$/, ''), await readFile(join(dir, f)))));
  return messages.reverse();
}

export async function startMailSink(opts: { dir: string; smtpPort?: number; httpPort?: number; host?: string }): Promise<MailSink> {
  const host = opts.host ?? '127.0.0.1';
  await mkdir(opts.dir, { recursive: true });
  let connections = 0;
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    banner: 'LORO local mail sink',
    // Senders keep pooled connections open between messages (lib/mailer.ts): stopping does not wait for them.
    closeTimeout: 1000,
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    onAuth(_auth, _session, callback) {
      callback(null, { user: 'sink' });
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        // Time-ordered, unique file names: the listing order is the arrival order.
        const id = `${Date.now().toString().padStart(15, '0')}-${randomUUID()}`;
        writeFile(join(opts.dir, `${id}.eml`), Buffer.concat(chunks)).then(() => callback(), callback);
      });
    },
  });
  // A client that vanishes mid-conversation (a sender killed by a fault test, a dropped link) is ordinary for a
  // sink: the message is simply not kept. Without a listener Node would treat it as fatal and end the process.
  smtp.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') console.error(JSON.stringify({ level: 'warn', msg: 'mail sink: connection error', code: err.code, error: err.message }));
  });
  const http = createHttpServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/messages') {
      listMessages(opts.dir).then(
        (messages) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ messages }));
        },
        (err: Error) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: err.message }));
        },
      );
      return;
    }
    res.writeHead(404).end();
  });
  const listen = (server: { listen: (port: number, host: string, cb: () => void) => unknown; once: HttpServer['once'] }, port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  await listen(smtp.server as unknown as HttpServer, opts.smtpPort ?? 0);
  await listen(http, opts.httpPort ?? 0);
  const smtpPort = (smtp.server.address() as { port: number }).port;
  const httpPort = (http.address() as { port: number }).port;
  return {
    smtpPort,
    httpPort,
    smtpUrl: `smtp://${host}:${smtpPort}`,
    connections: () => connections,
    httpUrl: `http://${host}:${httpPort}`,
    async stop() {
      await new Promise<void>((r) => smtp.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
