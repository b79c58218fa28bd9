/**
 * The data of the /dev/mailbox page (app/dev/mailbox/page.tsx): the dev mailbox's mails, newest first, their
 * bodies split into text and links. `null` in production, where the page answers 404.
 */
import 'server-only';
import type { Db } from '@/framework/server';
import { getRuntime } from '../instance';
import { devMailboxAvailable, listDevMails } from '../mail/dev-mailbox';
import { splitLinks, type TextPart } from '../mail/links';

/** One mail as the page shows it. The HTML body is not rendered (it would run in the app's origin). */
export interface DevMailView {
  id: number;
  to: string;
  subject: string;
  sentAt: Date;
  body: TextPart[];
}

/**
 * The mails for the page, or `null` in production (checked before the database is touched).
 * @param db the database; this process's by default (tests pass their own)
 */
export async function loadDevMailbox(db?: Db): Promise<DevMailView[] | null> {
  if (!devMailboxAvailable()) return null;
  const mails = await listDevMails(db ?? (await getRuntime()).db);
  return mails.map((mail) => ({
    id: mail.id,
    to: mail.to,
    subject: mail.subject,
    sentAt: mail.sentAt,
    body: splitLinks(mail.text),
  }));
}
