/**
 * The mails Better Auth asks for: an email verification link and a password reset link. Plain text plus a minimal
 * HTML part; the link is the only thing that matters in either.
 */
import 'server-only';

/** One mail as sendMail takes it. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

function linkMail(to: string, subject: string, intro: string, url: string, outro: string): Mail {
  return {
    to,
    subject,
    text: `${intro}\n\n${url}\n\n${outro}\n`,
    html: `<p>${escapeHtml(intro)}</p><p><a href="${escapeHtml(url)}">${escapeHtml(url)}</a></p><p>${escapeHtml(outro)}</p>`,
  };
}

/** The mail that confirms an address (sent on sign-up). */
export function verificationMail(to: string, url: string): Mail {
  return linkMail(
    to,
    'Confirm your email address',
    'Open this link to confirm your email address:',
    url,
    'If you did not sign up, ignore this mail.',
  );
}

/** The mail with a password reset link. */
export function resetPasswordMail(to: string, url: string): Mail {
  return linkMail(
    to,
    'Reset your password',
    'Open this link to choose a new password (it works once, for an hour):',
    url,
    'If you did not ask for this, ignore this mail: your password stays as it is.',
  );
}
