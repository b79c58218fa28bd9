/**
 * A server-only secret (the user's own model API key) is stored and used on the server, and never comes back:
 * not in the page HTML, not in a query result, not in the export.
 */
import { expect, test } from '@playwright/test';
import { createClient } from '@/client/create-client';

test('the saved API key never leaves the server', async ({ page, context, baseURL }) => {
  const secret = `sk-e2e-${crypto.randomUUID()}`;
  await page.goto('/settings');
  await expect(page.getByTestId('key-state')).toHaveText('No key saved.');
  await page.getByLabel('System prompt').fill('Keep it short.');
  await page.getByLabel('Your own API key').fill(secret);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('key-state')).toHaveText('A key is saved.');
  await expect(page.getByLabel('Your own API key')).toHaveValue('');

  await page.reload();
  await expect(page.getByTestId('key-state')).toHaveText('A key is saved.');
  await expect(page.getByLabel('System prompt')).toHaveValue('Keep it short.');
  expect(await page.content()).not.toContain(secret);
  for (const path of ['/', '/settings', '/api/todos/export']) {
    const body = await (await page.request.get(path)).text();
    expect(body, path).not.toContain(secret);
  }
  const session = (await context.cookies()).find((cookie) => cookie.name === 'starter.session_token');
  const client = createClient({
    url: baseURL ?? '',
    sessionCookie: session && `${session.name}=${session.value}`,
  });
  const results = [
    await client.settings.model.query(),
    await client.sync.snapshot.query(),
    await client.todos.list.query(),
  ];
  expect(results[0]).toEqual({ model: null, systemPrompt: 'Keep it short.', hasApiKey: true });
  expect(JSON.stringify(results)).not.toContain(secret);
});

test('a key that is obviously wrong is refused with a message naming the field', async ({ page }) => {
  await page.goto('/settings');
  await page.getByLabel('Your own API key').fill('short');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('form-error')).toHaveText('apiKey: looks too short for an API key');
  await expect(page.getByTestId('key-state')).toHaveText('No key saved.');
});

test('item 2: the key cannot be enqueued into a synced run, and never reaches the HTML of / or the snapshot', async ({
  page,
  context,
  baseURL,
}) => {
  const secret = `sk-e2e-enqueue-${crypto.randomUUID()}`;
  await page.goto('/');
  const session = (await context.cookies()).find((cookie) => cookie.name === 'starter.session_token');
  const client = createClient({
    url: baseURL ?? '',
    sessionCookie: session && `${session.name}=${session.value}`,
  });
  // No enqueue.saveModelSettings procedure: tRPC answers 404 and nothing is stored.
  const response = await page.request.post('/api/trpc/enqueue.saveModelSettings', {
    data: { json: { model: null, systemPrompt: null, apiKey: secret } },
  });
  expect(response.status()).toBe(404);
  // The direct call saves it (server-only) and answers only whether a key is set.
  expect(
    await client.actions.saveModelSettings.mutate({ model: null, systemPrompt: null, apiKey: secret }),
  ).toEqual({ model: null, systemPrompt: null, hasApiKey: true });
  await page.reload();
  expect(await page.content()).not.toContain(secret);
  expect(await (await page.request.get('/')).text()).not.toContain(secret);
  expect(JSON.stringify(await client.sync.snapshot.query())).not.toContain(secret);
});
