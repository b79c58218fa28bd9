import { expect, type Page } from '@playwright/test';

/** Makes an API token for the page's user through the settings page, as a person would; returns its value. */
export async function createTokenInBrowser(page: Page, name = 'e2e'): Promise<string> {
  await page.goto('/settings');
  await page.getByLabel('Token name').fill(name);
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = (await page.getByTestId('new-token').textContent()) ?? '';
  expect(token).toMatch(/^tas_/);
  return token;
}
