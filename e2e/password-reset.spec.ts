/**
 * Issue 14's mail flows on the production build, through real SMTP (the suite's sink, e2e/support/smtp-sink.ts):
 * sign-up sends a verification link that verifies the address; "Forgot password?" sends a reset link that sets a
 * new password once, ends the account's other sessions, and refuses the old password and a second use of the link.
 */
import { expect, test, type Page } from '@playwright/test';
import { E2E_SINK_CONTROL_URL } from './support/mail-env';
import { connectSmtpSink } from './support/smtp-sink';

const OLD_PASSWORD = 'the first long password';
const NEW_PASSWORD = 'the second long password';
const sink = connectSmtpSink(E2E_SINK_CONTROL_URL);

async function fillAuthForm(page: Page, email: string, password: string) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto('/sign-in');
  await fillAuthForm(page, email, password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The signed-in user as Better Auth reports it to this page's cookies. */
async function sessionUser(page: Page): Promise<{ email: string; emailVerified: boolean } | null> {
  const response = await page.request.get('/api/auth/get-session');
  expect(response.status()).toBe(200);
  const body = (await response.json()) as { user: { email: string; emailVerified: boolean } } | null;
  return body?.user ?? null;
}

test('sign-up mails a verification link; a reset link sets a new password once and ends the other sessions', async ({
  page,
  browser,
}) => {
  const email = `reset-${crypto.randomUUID()}@example.com`;
  await page.goto('/sign-in?mode=sign-up');
  await fillAuthForm(page, email, OLD_PASSWORD);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByTestId('account-email')).toHaveText(email);

  // The verification mail arrived over SMTP, from MAIL_FROM, with one link to this app; opening it verifies.
  const verification = await sink.nextMail(email, { timeout: 30_000 });
  expect(verification.subject).toBe('Confirm your email address');
  expect(verification.from).toBe('app@starter.test');
  const verifyLink = verification.links.find((link) => link.includes('/api/auth/verify-email'));
  expect(verifyLink).toBeTruthy();
  expect((await sessionUser(page))?.emailVerified).toBe(false);
  await page.goto(verifyLink ?? '');
  await expect.poll(async () => (await sessionUser(page))?.emailVerified).toBe(true);

  // Another browser signed in to the account: the reset must end its session.
  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await signIn(other, email, OLD_PASSWORD);
  await expect(other.getByTestId('account-email')).toHaveText(email);

  // A third browser, signed out, asks for the link.
  const resetContext = await browser.newContext();
  const resetPage = await resetContext.newPage();
  await resetPage.goto('/sign-in');
  await resetPage.getByRole('button', { name: 'Forgot password?' }).click();
  await resetPage.getByLabel('Email').fill(email);
  await resetPage.getByRole('button', { name: 'Send the link' }).click();
  await expect(resetPage.getByText('a link to reset its password is on its way')).toBeVisible();

  const resetMail = await sink.nextMail(email, { timeout: 30_000 });
  expect(resetMail.subject).toBe('Reset your password');
  const resetLink = resetMail.links.find((link) => link.includes('/reset-password'));
  expect(resetLink).toBeTruthy();
  await resetPage.goto(resetLink ?? '');
  await expect(resetPage).toHaveURL(/\/reset-password\?token=/);
  await resetPage.getByLabel('New password').fill(NEW_PASSWORD);
  await resetPage.getByRole('button', { name: 'Set the password' }).click();
  await expect(resetPage.getByText('Your password is changed')).toBeVisible();

  // The other browser's session ended with the reset: its API calls are refused, not served as the account.
  const refused = await other.request.get('/api/trpc/todos.list');
  expect(refused.status()).toBe(401);

  // The link works once.
  await resetPage.goto(resetLink ?? '');
  await expect(resetPage.getByText('This reset link is not valid any more')).toBeVisible();

  // The old password is refused with a clear error; the new one signs in.
  await signIn(resetPage, email, OLD_PASSWORD);
  await expect(resetPage.getByTestId('auth-error')).toBeVisible();
  await expect(resetPage).toHaveURL(/\/sign-in/);
  await signIn(resetPage, email, NEW_PASSWORD);
  await expect(resetPage.getByTestId('account-email')).toHaveText(email);

  await otherContext.close();
  await resetContext.close();
});
