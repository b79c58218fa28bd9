/**
 * The app's one way to send mail (verification and password-reset links). With SMTP_URL set, through a pooled
 * nodemailer SMTP transport made once per process; without it (development and tests only: server/env.ts refuses
 * production without SMTP_URL), the mail is printed to the server log and kept in the dev mailbox (/dev/mailbox),
 * so every flow works on a fresh clone with no mail account anywhere.
 */
import 'server-only';
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import { z } from 'zod';
import type { Db } from '@/framework/server';
import { getEnv, type Env } from '../env';
import { getRuntime } from '../instance';
import { keepDevMail } from './dev-mailbox';
import { linksIn } from './links';

/** A mail to one recipient: a plain-text body (always, for clients without HTML) and optionally an HTML one. */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/**
 * Thrown when a mail could not be handed to the SMTP server (refused, unreachable, timed out): the caller tells the
 * user it "could not send mail". The message says why, without the SMTP credentials; `cause` has nodemailer's error.
 */
export class MailDeliveryError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'MailDeliveryError';
  }
}

/** Thrown for a mail the app itself got wrong (bad address, empty subject): names the field. */
export class InvalidMailError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidMailError';
  }
}

// No CR/LF in header values: nodemailer encodes them, but a newline in a subject or address is always our bug.
const headerText = z
  .string()
  .min(1, 'must not be empty')
  .max(500, 'must be at most 500 characters')
  .refine((value) => !/[\r\n]/.test(value), 'must be one line');
const mailSchema = z.object({
  to: z.email('must be one e-mail address'),
  subject: headerText,
  text: z.string().min(1, 'must not be empty').max(100_000, 'must be at most 100,000 characters'),
  html: z.string().max(500_000, 'must be at most 500,000 characters').optional(),
});

/** How long each step of an SMTP delivery may take before it fails instead of hanging the request. */
export interface SmtpTimeouts {
  /** TCP (and TLS) connection. */
  connectionMs: number;
  /** The server's greeting after connecting. */
  greetingMs: number;
  /** Silence on an open connection. */
  socketMs: number;
  /** The whole delivery: a server that trickles its replies never trips the socket timeout. */
  totalMs: number;
}

/** Generous for a real SMTP server, short enough that a sign-up request does not hang on a dead one. */
export const DEFAULT_SMTP_TIMEOUTS: SmtpTimeouts = {
  connectionMs: 10_000,
  greetingMs: 10_000,
  socketMs: 20_000,
  totalMs: 30_000,
};

/** What a mailer sends through: an SMTP server, or (development) the log and the dev mailbox. */
export type MailerConfig =
  | { kind: 'smtp'; url: string; from: string; timeouts?: SmtpTimeouts }
  | {
      kind: 'dev';
      /** Keeps the mail for /dev/mailbox. */
      keep(mail: OutgoingMail): Promise<void>;
      /** Where the mail is printed; the server log by default. */
      log?: (block: string) => void;
    };

/** Sends mail; {@link createMailer} makes one, {@link sendMail} uses this process's. */
export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  /** Closes the SMTP pool's connections (tests; a server process keeps its mailer until it exits). */
  close(): void;
}

/** A mailer over a configuration (exported for tests; the app calls {@link sendMail}). */
export function createMailer(config: MailerConfig): Mailer {
  if (config.kind === 'dev') {
    const log = config.log ?? ((block: string) => console.info(block));
    return {
      async send(mail) {
        const valid = validMail(mail);
        // The log first: even if the mailbox cannot be written, the developer sees the link.
        log(devLogBlock(valid));
        await config.keep(valid);
      },
      close() {},
    };
  }
  const timeouts = config.timeouts ?? DEFAULT_SMTP_TIMEOUTS;
  const transport: Transporter = nodemailer.createTransport(
    {
      pool: true,
      url: config.url,
      // Few mails (sign-ups, resets): a couple of reused connections, closed when idle for a minute.
      maxConnections: 2,
      idleTimeout: 60_000,
      connectionTimeout: timeouts.connectionMs,
      greetingTimeout: timeouts.greetingMs,
      socketTimeout: timeouts.socketMs,
      // A connection that drops before the greeting is retried this often, not five times per mail.
      maxRequeues: 1,
    },
    { from: config.from },
  );
  const host = safeHost(config.url);
  return {
    async send(mail) {
      const valid = validMail(mail);
      try {
        await transport.sendMail({ ...valid, signal: AbortSignal.timeout(timeouts.totalMs) });
      } catch (error) {
        throw new MailDeliveryError(
          `Could not send mail to ${valid.to} through the SMTP server ${host}: ${reasonOf(error, timeouts)}`,
          { cause: error },
        );
      }
    },
    close() {
      // `force`: a delivery stuck on a silent server must not keep the process alive.
      (transport.transporter as { close(options?: { force?: boolean }): void }).close({ force: true });
    },
  };
}

const holder = globalThis as typeof globalThis & { __starterMailer?: Mailer };

/**
 * Sends one mail with this process's mailer (made on first use from SMTP_URL and MAIL_FROM; kept on `globalThis` so
 * Next dev's hot reloads do not open a second SMTP pool). Resolves once the SMTP server accepted the mail, or, in
 * development without SMTP_URL, once it is logged and in the dev mailbox.
 * @throws {InvalidMailError} for a malformed mail (names the field)
 * @throws {MailDeliveryError} when the SMTP server refused the mail, could not be reached or timed out
 */
export async function sendMail(mail: OutgoingMail): Promise<void> {
  holder.__starterMailer ??= createMailer(mailerConfigOf(getEnv(), async () => (await getRuntime()).db));
  await holder.__starterMailer.send(mail);
}

/**
 * SMTP when SMTP_URL is set (env validation then also guarantees MAIL_FROM), else the dev mailbox on the database
 * `devDb` gives (the process's by default; exported for tests). Production never gets here without SMTP_URL.
 */
export function mailerConfigOf(
  env: Pick<Env, 'SMTP_URL' | 'MAIL_FROM'>,
  devDb: () => Promise<Db>,
): MailerConfig {
  if (env.SMTP_URL !== undefined && env.MAIL_FROM !== undefined) {
    return { kind: 'smtp', url: env.SMTP_URL, from: env.MAIL_FROM };
  }
  return { kind: 'dev', keep: async (mail) => keepDevMail(await devDb(), mail) };
}

function validMail(mail: OutgoingMail): OutgoingMail {
  const result = mailSchema.safeParse(mail);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new InvalidMailError(`Invalid mail: ${issue?.path.join('.')}: ${issue?.message}`);
}

/** One block in the server log with everything a developer needs, the links on lines of their own. */
export function devLogBlock(mail: OutgoingMail): string {
  const rule = '─'.repeat(72);
  const links = linksIn(mail.text);
  return [
    `[mail] ${rule}`,
    `[mail] not sent (no SMTP_URL): kept in the dev mailbox at /dev/mailbox`,
    `[mail] To: ${mail.to}`,
    `[mail] Subject: ${mail.subject}`,
    ...(links.length > 0 ? ['[mail] Links:', ...links.map((link) => `[mail]   ${link}`)] : []),
    '[mail]',
    ...mail.text.split('\n').map((line) => `[mail] ${line}`),
    `[mail] ${rule}`,
  ].join('\n');
}

/** The SMTP server's host and port, for messages: never the credentials in the URL. */
function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(unparsable SMTP_URL)'; // env validation makes this unreachable; a message must not throw.
  }
}

function reasonOf(error: unknown, timeouts: SmtpTimeouts): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  if (code === 'EABORT' || error.name === 'AbortError' || error.name === 'TimeoutError') {
    return `no answer within ${timeouts.totalMs} ms`;
  }
  return typeof code === 'string' ? `${error.message} (${code})` : error.message;
}
