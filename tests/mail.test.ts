/**
 * The mail path (server/mail): real SMTP delivery to a sink, failures that end in a clear error instead of a hang,
 * the development fallback (server log + dev mailbox), and the production rules (SMTP_URL required, no dev mailbox).
 */
import net from 'node:net';
import { sql } from 'drizzle-orm';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSmtpSink, type SmtpSink } from '@/e2e/support/smtp-sink';
import { InvalidEnvError, parseEnv } from '@/server/env';
import { loadDevMailbox } from '@/server/http/dev-mailbox-page';
import {
  DEV_MAILBOX_SIZE,
  DevMailboxInProductionError,
  keepDevMail,
  listDevMails,
} from '@/server/mail/dev-mailbox';
import { linksIn, splitLinks } from '@/server/mail/links';
import {
  createMailer,
  InvalidMailError,
  MailDeliveryError,
  mailerConfigOf,
  type Mailer,
  type SmtpTimeouts,
} from '@/server/mail/send-mail';
import { createTestDatabase, type TestDatabase } from './helpers/test-database';

const FROM = 'Starter Tests <app@starter.test>';
const RESET_LINK = 'http://localhost:3000/reset-password?token=abc123&callbackURL=%2F';
const FAST: SmtpTimeouts = { connectionMs: 500, greetingMs: 500, socketMs: 500, totalMs: 2_000 };

let sink: SmtpSink;
let database: TestDatabase;
const mailers: Mailer[] = [];
const servers: Array<{ close(callback: () => void): unknown }> = [];

/** A mailer closed after the test, so no pooled connection outlives it. */
function mailer(config: Parameters<typeof createMailer>[0]): Mailer {
  const made = createMailer(config);
  mailers.push(made);
  return made;
}

/** A port nothing listens on: listen on a free one and close it again. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TCP server that accepts connections and then says nothing (`greet`: sends only the SMTP greeting). */
async function silentServer(options: { greet: boolean }): Promise<number> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => socket.destroy()); // the client hanging up on us is the point of the test
    if (options.greet) socket.write('220 silent.test ESMTP\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  servers.push({
    close(callback) {
      for (const socket of sockets) socket.destroy();
      return server.close(callback);
    },
  });
  return (server.address() as AddressInfo).port;
}

/** Resolves with the error `promise` rejects with, and how long that took. */
async function failure(promise: Promise<unknown>): Promise<{ error: Error; ms: number }> {
  const started = Date.now();
  try {
    await promise;
  } catch (error) {
    return { error: error as Error, ms: Date.now() - started };
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  sink = await startSmtpSink();
  database = await createTestDatabase();
});

afterEach(async () => {
  vi.unstubAllEnvs();
  for (const made of mailers.splice(0)) made.close();
  await Promise.all(
    servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  );
});

afterAll(async () => {
  await sink.close();
  await database.close();
});

describe('sendMail over SMTP', () => {
  it('delivers subject, text, HTML and links to the SMTP server, from MAIL_FROM', async () => {
    const smtp = mailer({ kind: 'smtp', url: sink.url, from: FROM });
    await smtp.send({
      to: 'New.User@Example.com',
      subject: 'Reset your password',
      text: `Open this link to choose a new password: ${RESET_LINK}.\nIt works once.`,
      html: `<p><a href="${RESET_LINK.replaceAll('&', '&amp;')}">Choose a new password</a></p>`,
    });
    const mail = await sink.nextMail('new.user@example.com', { timeout: 5_000 });
    expect(mail.subject).toBe('Reset your password');
    expect(mail.from).toBe('app@starter.test');
    expect(mail.to).toEqual(['new.user@example.com']);
    expect(mail.text).toContain('It works once.');
    expect(mail.html).toContain('Choose a new password');
    expect(mail.links).toEqual([RESET_LINK]);
  });

  it('reuses one pooled connection for several mails', async () => {
    const before = sink.connections;
    const smtp = mailer({ kind: 'smtp', url: sink.url, from: FROM });
    await smtp.send({ to: 'pool@example.com', subject: 'One', text: 'first' });
    await smtp.send({ to: 'pool@example.com', subject: 'Two', text: 'second' });
    expect((await sink.nextMail('pool@example.com')).subject).toBe('One');
    expect((await sink.nextMail('pool@example.com')).subject).toBe('Two');
    expect(sink.connections - before).toBe(1);
  });

  it('the process mailer is made once from SMTP_URL and MAIL_FROM and sends through SMTP', async () => {
    vi.stubEnv('SMTP_URL', sink.url);
    vi.stubEnv('MAIL_FROM', FROM);
    vi.resetModules(); // a fresh getEnv cache that reads the stubbed variables
    const holder = globalThis as { __starterMailer?: Mailer };
    const current = () => holder.__starterMailer; // read afresh: sendMail sets it
    delete holder.__starterMailer;
    try {
      const { sendMail } = await import('@/server/mail/send-mail');
      await sendMail({ to: 'process@example.com', subject: 'Via the process mailer', text: 'hello' });
      const first = current();
      expect(first).toBeDefined();
      await sendMail({ to: 'process@example.com', subject: 'Again', text: 'hello again' });
      expect(current()).toBe(first);
      expect((await sink.nextMail('process@example.com')).subject).toBe('Via the process mailer');
      expect((await sink.nextMail('process@example.com')).from).toBe('app@starter.test');
    } finally {
      current()?.close();
      delete holder.__starterMailer;
      vi.resetModules();
    }
  });

  it('a refused recipient ends in a MailDeliveryError with the server’s answer', async () => {
    const strict = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      authOptional: true,
      logger: false,
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error('No such mailbox here'), { responseCode: 550 }));
      },
    });
    await new Promise<void>((resolve) => strict.listen(0, '127.0.0.1', () => resolve()));
    servers.push(strict);
    const port = (strict.server.address() as AddressInfo).port;
    const smtp = mailer({ kind: 'smtp', url: `smtp://127.0.0.1:${port}`, from: FROM, timeouts: FAST });
    const { error } = await failure(smtp.send({ to: 'nobody@example.com', subject: 'Hi', text: 'hi' }));
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect(error.message).toMatch(
      /Could not send mail to nobody@example\.com through the SMTP server 127\.0\.0\.1:/,
    );
    expect(error.message).toContain('No such mailbox here');
  });

  it('a server that is down ends in a clear error at once, not a hang', async () => {
    const port = await closedPort();
    const smtp = mailer({ kind: 'smtp', url: `smtp://127.0.0.1:${port}`, from: FROM, timeouts: FAST });
    const { error, ms } = await failure(smtp.send({ to: 'down@example.com', subject: 'Hi', text: 'hi' }));
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect(error.message).toMatch(/SMTP server 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    expect(ms).toBeLessThan(FAST.totalMs);
  });

  it('a server that accepts and never greets times out (greeting timeout)', async () => {
    const port = await silentServer({ greet: false });
    const smtp = mailer({ kind: 'smtp', url: `smtp://127.0.0.1:${port}`, from: FROM, timeouts: FAST });
    const { error, ms } = await failure(smtp.send({ to: 'silent@example.com', subject: 'Hi', text: 'hi' }));
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect(error.message).toMatch(/Could not send mail to silent@example\.com.*: .*\(ETIMEDOUT\)/);
    expect(ms).toBeLessThan(FAST.totalMs + 1_000);
  });

  it('a server that greets and then stalls is given up on at the total deadline', async () => {
    const port = await silentServer({ greet: true });
    const timeouts = { connectionMs: 10_000, greetingMs: 10_000, socketMs: 10_000, totalMs: 800 };
    const smtp = mailer({ kind: 'smtp', url: `smtp://127.0.0.1:${port}`, from: FROM, timeouts });
    const { error, ms } = await failure(smtp.send({ to: 'stall@example.com', subject: 'Hi', text: 'hi' }));
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect(error.message).toContain('no answer within 800 ms');
    expect(ms).toBeLessThan(3_000);
  });

  it('never puts the SMTP password in an error message', async () => {
    const port = await closedPort();
    const url = `smtp://user:hunter2-secret@127.0.0.1:${port}`;
    const smtp = mailer({ kind: 'smtp', url, from: FROM, timeouts: FAST });
    const { error } = await failure(smtp.send({ to: 'x@example.com', subject: 'Hi', text: 'hi' }));
    expect(error.message).not.toContain('hunter2');
  });

  it('refuses a malformed mail naming the field, and sends nothing', async () => {
    const smtp = mailer({ kind: 'smtp', url: sink.url, from: FROM });
    const received = sink.received.length;
    const cases = [
      [{ to: 'not an address', subject: 'Hi', text: 'hi' }, /to: must be one e-mail address/],
      [{ to: 'a@example.com, b@example.com', subject: 'Hi', text: 'hi' }, /to: must be one e-mail address/],
      [
        { to: 'a@example.com', subject: 'Hi\r\nBcc: victim@example.com', text: 'hi' },
        /subject: must be one line/,
      ],
      [{ to: 'a@example.com', subject: '', text: 'hi' }, /subject: must not be empty/],
      [{ to: 'a@example.com', subject: 'Hi', text: '' }, /text: must not be empty/],
    ] as const;
    for (const [mail, message] of cases) {
      const { error } = await failure(smtp.send(mail));
      expect(error).toBeInstanceOf(InvalidMailError);
      expect(error.message).toMatch(message);
    }
    expect(sink.received.length).toBe(received);
  });
});

describe('development without SMTP_URL', () => {
  it('prints one block with the link to the log and keeps the mail in the dev mailbox', async () => {
    const config = mailerConfigOf(parseEnv({ NODE_ENV: 'development' }), async () => database.db);
    expect(config.kind).toBe('dev');
    const logged: string[] = [];
    const dev = mailer(config.kind === 'dev' ? { ...config, log: (block) => logged.push(block) } : config);
    await dev.send({
      to: 'dev@example.com',
      subject: 'Verify your e-mail',
      text: `Welcome! Verify your address: ${RESET_LINK}`,
      html: '<p>Welcome!</p>',
    });
    expect(logged).toHaveLength(1);
    const block = logged[0] ?? '';
    expect(block).toContain('To: dev@example.com');
    expect(block).toContain('Subject: Verify your e-mail');
    expect(block).toContain(`[mail]   ${RESET_LINK}\n`); // the link alone on its line, easy to copy
    expect(block).toContain('/dev/mailbox');

    const [newest] = await listDevMails(database.db);
    expect(newest).toMatchObject({
      to: 'dev@example.com',
      subject: 'Verify your e-mail',
      html: '<p>Welcome!</p>',
    });
    expect(newest?.text).toContain(RESET_LINK);
  });

  it('the same config sends through SMTP once SMTP_URL and MAIL_FROM are set', () => {
    const env = parseEnv({ NODE_ENV: 'development', SMTP_URL: sink.url, MAIL_FROM: FROM });
    expect(mailerConfigOf(env, async () => database.db)).toMatchObject({
      kind: 'smtp',
      url: sink.url,
      from: FROM,
    });
  });

  it(`keeps only the newest ${DEV_MAILBOX_SIZE} mails, newest first`, async () => {
    for (let i = 1; i <= DEV_MAILBOX_SIZE + 5; i++) {
      await keepDevMail(database.db, { to: 'many@example.com', subject: `Mail ${i}`, text: `number ${i}` });
    }
    const mails = await listDevMails(database.db);
    expect(mails).toHaveLength(DEV_MAILBOX_SIZE);
    expect(mails[0]?.subject).toBe(`Mail ${DEV_MAILBOX_SIZE + 5}`);
    expect(mails.at(-1)?.subject).toBe('Mail 6');
    const { rows } = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from dev_mails`);
    expect(rows[0]?.n).toBe(DEV_MAILBOX_SIZE);
  });

  it('the page data lists the mails, newest first, with their links as links', async () => {
    await keepDevMail(database.db, {
      to: 'page@example.com',
      subject: 'Page mail',
      text: `Reset: ${RESET_LINK}. Not a link: javascript:alert(1)`,
    });
    const mails = await loadDevMailbox(database.db);
    expect(mails?.[0]).toMatchObject({ to: 'page@example.com', subject: 'Page mail' });
    expect(mails?.[0]?.body).toEqual([
      { kind: 'text', text: 'Reset: ' },
      { kind: 'link', href: RESET_LINK },
      { kind: 'text', text: '. Not a link: javascript:alert(1)' },
    ]);
  });
});

describe('production', () => {
  const production = { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40) };

  function envProblems(raw: Record<string, string>): string {
    try {
      parseEnv(raw);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidEnvError);
      return (error as Error).message;
    }
    throw new Error('expected parseEnv to reject');
  }

  it('refuses to start without SMTP_URL, naming it', () => {
    expect(envProblems(production)).toMatch(/SMTP_URL: is required in production/);
  });

  it('needs MAIL_FROM beside SMTP_URL, in any environment', () => {
    expect(envProblems({ ...production, SMTP_URL: 'smtps://u:p@smtp.example.com:465' })).toMatch(
      /MAIL_FROM: is required with SMTP_URL/,
    );
    expect(envProblems({ NODE_ENV: 'development', SMTP_URL: 'smtp://127.0.0.1:2525' })).toMatch(/MAIL_FROM:/);
  });

  it('names a malformed SMTP_URL or MAIL_FROM', () => {
    expect(envProblems({ SMTP_URL: 'http://smtp.example.com', MAIL_FROM: 'a@example.com' })).toMatch(
      /SMTP_URL: must be an SMTP URL/,
    );
    for (const bad of [
      'app',
      'App <not-an-address>',
      'a@example.com\r\nBcc: x@example.com',
      '<a@b.example',
    ]) {
      expect(envProblems({ SMTP_URL: 'smtp://127.0.0.1:2525', MAIL_FROM: bad })).toMatch(
        /MAIL_FROM: .+ is not a sender/,
      );
    }
  });

  it('starts with SMTP_URL and MAIL_FROM, in either form', () => {
    for (const from of [
      'app@example.com',
      'Example App <app@example.com>',
      '"Example, Inc." <app@example.com>',
    ]) {
      const env = parseEnv({ ...production, SMTP_URL: 'smtps://u:p@smtp.example.com:465', MAIL_FROM: from });
      expect(env.MAIL_FROM).toBe(from);
    }
  });

  it('the dev mailbox refuses to keep or list mail', async () => {
    vi.stubEnv('NODE_ENV', 'production');
    await expect(
      keepDevMail(database.db, { to: 'p@example.com', subject: 'Hi', text: 'hi' }),
    ).rejects.toThrow(DevMailboxInProductionError);
    await expect(listDevMails(database.db)).rejects.toThrow(DevMailboxInProductionError);
  });

  it('the dev mailbox page answers 404: its data is null and the page calls notFound()', async () => {
    vi.stubEnv('NODE_ENV', 'production');
    expect(await loadDevMailbox(database.db)).toBeNull();
    const { default: DevMailboxPage } = await import('@/app/dev/mailbox/page');
    const { error } = await failure(DevMailboxPage());
    expect((error as Error & { digest?: string }).digest).toMatch(/^NEXT_HTTP_ERROR_FALLBACK;404/);
  });
});

describe('links in a text body', () => {
  it('are http(s) URLs without the sentence punctuation after them', () => {
    expect(linksIn('Open https://a.example/x?y=1&z=2. Or (http://b.example/)! Not ftp://c.example')).toEqual([
      'https://a.example/x?y=1&z=2',
      'http://b.example/',
    ]);
    const body = 'See https://a.example/reset.\nThanks';
    expect(
      splitLinks(body)
        .map((part) => (part.kind === 'link' ? part.href : part.text))
        .join(''),
    ).toBe(body);
  });
});
