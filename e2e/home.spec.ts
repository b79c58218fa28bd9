import { expect, test } from '@playwright/test';

const WELCOME_FIRST = 'Read the architecture section of the README';

test('the home page is server-rendered with the new user’s todos (no loading state)', async ({ browser }) => {
  // Without JavaScript, only what the server rendered is on the page: the list must already be there.
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Todos', level: 1 })).toBeVisible();
  await expect(page.getByTestId('todo-item')).toHaveCount(4);
  await expect(page.getByTestId('todo-item').first()).toContainText(WELCOME_FIRST);
  await expect(page.getByTestId('todo-count')).toHaveText('1 of 4 done');
  await context.close();
});

test('the page hydrates without errors or extra requests for the list', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`${response.status()} ${response.url()}`);
  });
  const trpcRequests: string[] = [];
  page.on('request', (request) => {
    // The live change feed (an SSE subscription) is expected; a query for data already rendered is not.
    if (request.url().includes('/api/trpc/') && !request.url().includes('/api/trpc/sync.changes')) {
      trpcRequests.push(request.url());
    }
  });
  await page.goto('/');
  await page.waitForLoadState('networkidle');
  await expect(page.getByTestId('todo-item')).toHaveCount(4);
  expect(errors).toEqual([]);
  // The server prefetched the snapshot into the hydrated cache, so the browser never asks for it.
  expect(trpcRequests).toEqual([]);
});

test('a visitor gets an httpOnly session cookie and keeps the same list on reload', async ({
  page,
  context,
}) => {
  await page.goto('/');
  const cookie = (await context.cookies()).find((c) => c.name === 'starter.session_token');
  expect(cookie?.httpOnly).toBe(true);
  const firstIds = await page.getByTestId('todo-item').allTextContents();
  await page.reload();
  expect(await page.getByTestId('todo-item').allTextContents()).toEqual(firstIds);
  expect((await context.cookies()).find((c) => c.name === 'starter.session_token')?.value).toBe(
    cookie?.value,
  );
});

test('the layout fits a phone screen without sideways scrolling', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await page.goto('/');
  await expect(page.getByTestId('todo-item')).toHaveCount(4);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await context.close();
});

test('the health endpoint reports the embedded database', async ({ request }) => {
  const response = await request.get('/api/health');
  expect(response.status()).toBe(200);
  expect(await response.json()).toEqual({ ok: true, database: 'pglite' });
});
