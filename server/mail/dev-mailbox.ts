/**
 * The dev mailbox: mails the app would have sent, when no SMTP server is configured (development and tests), for
 * /dev/mailbox. Kept in the database (table dev_mails) so that every process on it and a restart see the same
 * mails; only the newest {@link DEV_MAILBOX_SIZE} stay. Never used in production: both functions refuse there, and
 * in a production build `process.env.NODE_ENV` is the constant "production", so that check cannot be turned off.
 */
import 'server-only';
import { desc, sql } from 'drizzle-orm';
import type { Db } from '@/framework/server';
import { devMails } from '@/db/schema';
import type { OutgoingMail } from './send-mail';

/** Mails kept; older ones are deleted as new ones arrive (a bounded table: docs/architecture.md rule 12). */
export const DEV_MAILBOX_SIZE = 50;

/** A mail in the dev mailbox. */
export type DevMail = typeof devMails.$inferSelect;

/** Thrown when production code reaches the dev mailbox: a configuration bug, never a fallback. */
export class DevMailboxInProductionError extends Error {
  constructor() {
    super('The dev mailbox is never used in production: set SMTP_URL and MAIL_FROM to send mail');
    this.name = 'DevMailboxInProductionError';
  }
}

/** True where the dev mailbox may be used: anywhere but production. */
export function devMailboxAvailable(): boolean {
  return process.env.NODE_ENV !== 'production';
}

/** Keeps a mail, and deletes all but the newest {@link DEV_MAILBOX_SIZE}, in one transaction. */
export async function keepDevMail(db: Db, mail: OutgoingMail): Promise<void> {
  if (!devMailboxAvailable()) throw new DevMailboxInProductionError();
  await db.transaction(async (tx) => {
    await tx
      .insert(devMails)
      .values({ to: mail.to, subject: mail.subject, text: mail.text, html: mail.html ?? null });
    await tx.execute(
      sql`delete from dev_mails where id <= (select id from dev_mails order by id desc offset ${DEV_MAILBOX_SIZE} limit 1)`,
    );
  });
}

/** The kept mails, newest first. */
export async function listDevMails(db: Db): Promise<DevMail[]> {
  if (!devMailboxAvailable()) throw new DevMailboxInProductionError();
  return db.select().from(devMails).orderBy(desc(devMails.id)).limit(DEV_MAILBOX_SIZE);
}
