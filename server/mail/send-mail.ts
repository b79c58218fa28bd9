/**
 * Sends one mail. Placeholder until the mail path lands (SMTP through nodemailer, a dev mailbox): prints the mail to
 * the server log, which is enough to follow a verification or reset link in development.
 */
import 'server-only';

/** Sends `mail` (to one recipient). */
export async function sendMail(mail: {
  to: string;
  subject: string;
  text: string;
  html?: string;
}): Promise<void> {
  console.info(`[mail] to ${mail.to}: ${mail.subject}\n${mail.text}`);
}
