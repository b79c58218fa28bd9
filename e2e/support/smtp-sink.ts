/**
 * A real SMTP server for tests: the app's nodemailer transport delivers to it over TCP exactly as it would to a
 * provider, and a test awaits what arrived (`await sink.nextMail(to, { timeout })`). Every recipient has a queue:
 * a mail that arrives before the test asks for it waits there, so there is no race between the app and the test.
 *
 * Playwright's webServer runs one as a process (e2e/support/smtp-sink-cli.ts) with a small HTTP control port;
 * specs reach it with {@link connectSmtpSink}.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A mail the sink received, parsed. */
export interface ReceivedMail {
  /** The From header's address. */
  from: string;
  /** The envelope's recipients (RCPT TO), lower-cased. */
  to: string[];
  subject: string;
  text: string;
  html: string | null;
  /** The http(s) links of the text body and the HTML body's hrefs, in order, without duplicates. */
  links: string[];
}

/** What a test awaits mail with. */
export interface MailWaiter {
  /** The oldest mail to `to` not yet returned by an earlier call; waits for one up to `timeout` ms (default 10 s). */
  nextMail(to: string, options?: { timeout?: number }): Promise<ReceivedMail>;
}

/** A running sink. */
export interface SmtpSink extends MailWaiter {
  port: number;
  /** `smtp://127.0.0.1:<port>`: what SMTP_URL is set to. */
  url: string;
  /** Every mail received, oldest first. */
  readonly received: readonly ReceivedMail[];
  /** SMTP connections accepted so far (a pooled sender reuses one for several mails). */
  readonly connections: number;
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const TEXT_LINK = /https?:\/\/[^\s<>"']+/g;
const HREF = /href\s*=\s*"(https?:\/\/[^"]+)"/gi;

/** Starts a sink on `port` (0, the default: a free port chosen by the OS) on 127.0.0.1. */
export async function startSmtpSink(options: { port?: number } = {}): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const queues = new Map<string, ReceivedMail[]>();
  const waiters = new Map<string, Array<(mail: ReceivedMail) => void>>();
  let connections = 0;

  function deliver(mail: ReceivedMail) {
    received.push(mail);
    for (const to of mail.to) {
      const waiting = waiters.get(to)?.shift();
      if (waiting) waiting(mail);
      else queues.set(to, [...(queues.get(to) ?? []), mail]);
    }
  }

  const server = new SMTPServer({
    // Plain SMTP on loopback: no STARTTLS offered, so smtp:// URLs need no certificate; any login is accepted.
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    onConnect(_session, callback) {
      connections += 1;
      callback();
    },
    onAuth(_auth, _session, callback) {
      callback(null, { user: 'test' });
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const text = parsed.text ?? '';
          const html = typeof parsed.html === 'string' ? parsed.html : null;
          deliver({
            from: firstAddress(parsed.from),
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase()),
            subject: parsed.subject ?? '',
            text,
            html,
            links: linksOf(text, html),
          });
          callback();
        })
        .catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    received,
    get connections() {
      return connections;
    },
    nextMail(to, { timeout = DEFAULT_TIMEOUT_MS } = {}) {
      const address = to.toLowerCase();
      const queued = queues.get(address)?.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolve, reject) => {
        const waiting = (mail: ReceivedMail) => {
          clearTimeout(timer);
          resolve(mail);
        };
        const timer = setTimeout(() => {
          const list = waiters.get(address) ?? [];
          list.splice(list.indexOf(waiting), 1);
          const others = received.flatMap((mail) => mail.to).join(', ') || 'none';
          reject(new Error(`No mail to ${to} within ${timeout} ms (mail arrived for: ${others})`));
        }, timeout);
        waiters.set(address, [...(waiters.get(address) ?? []), waiting]);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Serves a sink's {@link MailWaiter.nextMail} over HTTP (`GET /next?to=…&timeout=…`, `GET /health`), for specs
 * in other processes than the sink's.
 */
export async function serveSinkControl(sink: SmtpSink, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://sink');
    const answer = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (url.pathname === '/health') return answer(200, { ok: true, smtpPort: sink.port });
    const to = url.searchParams.get('to');
    if (url.pathname !== '/next' || !to) return answer(404, { error: 'GET /next?to=<address>&timeout=<ms>' });
    sink
      .nextMail(to, { timeout: Number(url.searchParams.get('timeout') ?? DEFAULT_TIMEOUT_MS) })
      .then((mail) => answer(200, mail))
      .catch((error: unknown) => answer(408, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return server;
}

/** A {@link MailWaiter} over a sink's HTTP control port (see {@link serveSinkControl}). */
export function connectSmtpSink(controlUrl: string): MailWaiter {
  return {
    async nextMail(to, { timeout = DEFAULT_TIMEOUT_MS } = {}) {
      const query = new URLSearchParams({ to, timeout: String(timeout) });
      const response = await fetch(`${controlUrl}/next?${query}`);
      const body = (await response.json()) as ReceivedMail | { error: string };
      if ('error' in body) throw new Error(body.error);
      return body;
    },
  };
}

function firstAddress(from: AddressObject | undefined): string {
  return from?.value[0]?.address ?? '';
}

function linksOf(text: string, html: string | null): string[] {
  const fromText = [...text.matchAll(TEXT_LINK)].map((match) => match[0].replace(/[.,;:!?)]+$/, ''));
  const fromHtml = html ? [...html.matchAll(HREF)].map((match) => decodeEntities(match[1] ?? '')) : [];
  return [...new Set([...fromText, ...fromHtml])];
}

function decodeEntities(value: string): string {
  return value.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'");
}
