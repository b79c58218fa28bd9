/** Signing up and in through the app's own forms, as a user does (specs of accounts and of tabs that share a feed). */
import { expect, type Page } from '@playwright/test';

export const PASSWORD = 'a long enough password';

export const uniqueEmail = () => `e2e-${crypto.randomUUID()}@example.com`;

export async function fillAuthForm(page: Page, email: string, password: string) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
}

/** Signs up with `email` on the sign-up page, and waits for the list page to show the account. */
export async function signUp(page: Page, email: string) {
  await page.goto('/sign-in?mode=sign-up');
  await fillAuthForm(page, email, PASSWORD);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('account-email')).toHaveText(email);
}

export async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.goto('/sign-in');
  await fillAuthForm(page, email, password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
