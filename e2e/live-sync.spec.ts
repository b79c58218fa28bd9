/**
 * The data path in a real browser: optimistic updates before the server answers, live fan-out between tabs,
 * rejections rolled back with a visible error.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { testDelayHeaders } from './support/test-delay';

/** A second context of the same user (same session cookie), like a second browser window. */
async function sameUserContext(context: BrowserContext, extraHTTPHeaders?: Record<string, string>) {
  const browser = context.browser();
  if (!browser) throw new Error('no browser');
  return browser.newContext({ storageState: await context.storageState(), extraHTTPHeaders });
}

async function openLive(page: Page) {
  await page.goto('/');
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
}

test('an edit in one window appears live in another window of the same user', async ({ page, context }) => {
  await openLive(page);
  const other = await sameUserContext(context);
  const otherPage = await other.newPage();
  await openLive(otherPage);

  await page.getByLabel('New todo').fill('Shared across windows');
  await page.getByLabel('New todo').press('Enter');
  await expect(otherPage.getByTestId('todo-text').filter({ hasText: 'Shared across windows' })).toBeVisible();

  const item = page.getByTestId('todo-item').filter({ hasText: 'Run the tests with npm test' });
  await item.getByRole('checkbox').check();
  const otherItem = otherPage.getByTestId('todo-item').filter({ hasText: 'Run the tests with npm test' });
  await expect(otherItem.getByRole('checkbox')).toBeChecked();

  await otherItem.getByTestId('todo-text').click();
  await otherPage.getByLabel('Edit todo').fill('Renamed in the other window');
  await otherPage.getByLabel('Edit todo').press('Enter');
  await expect(
    page.getByTestId('todo-text').filter({ hasText: 'Renamed in the other window' }),
  ).toBeVisible();
  await other.close();
});

test('a second user sees none of it', async ({ page, browser }) => {
  await openLive(page);
  const stranger = await browser.newContext();
  const strangerPage = await stranger.newPage();
  await openLive(strangerPage);
  const committed = page.waitForResponse((response) => response.url().includes('/api/trpc/mutators.'));
  await page.getByLabel('New todo').fill('Private to the first user');
  await page.getByLabel('New todo').press('Enter');
  expect((await committed).ok()).toBe(true);
  await expect(page.getByTestId('todo-text').filter({ hasText: 'Private to the first user' })).toBeVisible();
  // A later commit of the stranger's own, from another tab of the stranger's browser: it reaches the stranger's first
  // tab only through that tab's feed, which delivers in commit order, so the first user's earlier commit would
  // have come before it had the feed (wrongly) carried it.
  const strangerTab = await stranger.newPage();
  await openLive(strangerTab);
  await strangerTab.getByLabel('New todo').fill("The stranger's own");
  await strangerTab.getByLabel('New todo').press('Enter');
  await expect(strangerPage.getByTestId('todo-text').filter({ hasText: "The stranger's own" })).toBeVisible();
  await expect(
    strangerPage.getByTestId('todo-text').filter({ hasText: 'Private to the first user' }),
  ).toHaveCount(0);
  // Nor does a fresh load of the stranger's page.
  await strangerPage.reload();
  await expect(strangerPage.getByTestId('todo-text').filter({ hasText: "The stranger's own" })).toBeVisible();
  await expect(
    strangerPage.getByTestId('todo-text').filter({ hasText: 'Private to the first user' }),
  ).toHaveCount(0);
  await stranger.close();
});

test('the optimistic update is on screen before the server answers', async ({ browser }) => {
  // Every mutation of this context is held 1.5 s on the server (ALLOW_TEST_DELAY=1 in the test server only).
  const context = await browser.newContext({ extraHTTPHeaders: testDelayHeaders(1500) });
  const page = await context.newPage();
  await openLive(page);
  let answered = 0;
  page.on('response', (response) => {
    if (response.url().includes('/api/trpc/mutators.')) answered++;
  });

  const item = page.getByTestId('todo-item').filter({ hasText: 'Run the tests with npm test' });
  await item.getByRole('checkbox').click();
  await expect(item.getByRole('checkbox')).toBeChecked({ timeout: 300 });
  await page.getByLabel('New todo').fill('Before the server knows');
  await page.getByLabel('New todo').press('Enter');
  await expect(page.getByTestId('todo-text').filter({ hasText: 'Before the server knows' })).toBeVisible({
    timeout: 300,
  });
  expect(answered).toBe(0);

  // Once the server has committed both (one after the other), they stay, also after a reload.
  await expect.poll(() => answered, { timeout: 10_000 }).toBe(2);
  await expect(item.getByRole('checkbox')).toBeChecked();
  await page.reload();
  await expect(
    page.getByTestId('todo-item').filter({ hasText: 'Run the tests with npm test' }).getByRole('checkbox'),
  ).toBeChecked();
  await expect(page.getByTestId('todo-text').filter({ hasText: 'Before the server knows' })).toHaveCount(1);
  await context.close();
});

test('a change the server refuses is rolled back and reported; later changes stay', async ({ browser }) => {
  const slow = await browser.newContext({ extraHTTPHeaders: testDelayHeaders(3000) });
  const page = await slow.newPage();
  await openLive(page);
  const fast = await sameUserContext(slow, {});
  const fastPage = await fast.newPage();
  await openLive(fastPage);

  // In the slow window: rename a todo (held 3 s on the server, so the other window's delete surely comes first),
  // then complete another one.
  const doomed = page.getByTestId('todo-item').filter({ hasText: 'Call the API from a script' });
  await doomed.getByTestId('todo-text').click();
  await page.getByLabel('Edit todo').fill('This rename will be refused');
  await page.getByLabel('Edit todo').press('Enter');
  const kept = page.getByTestId('todo-item').filter({ hasText: 'Run the tests with npm test' });
  await kept.getByRole('checkbox').check();
  // Meanwhile the fast window deletes the todo being renamed.
  await fastPage
    .getByTestId('todo-item')
    .filter({ hasText: 'Call the API from a script' })
    .getByRole('button', { name: /^Delete/ })
    .click();

  await expect(page.getByTestId('toast')).toContainText('No todo with id');
  await expect(page.getByTestId('todo-text').filter({ hasText: 'This rename will be refused' })).toHaveCount(
    0,
  );
  await expect(kept.getByRole('checkbox')).toBeChecked();
  // The other window shows it once the server has committed it (it is still held there until then).
  await expect(
    fastPage
      .getByTestId('todo-item')
      .filter({ hasText: 'Run the tests with npm test' })
      .getByRole('checkbox'),
  ).toBeChecked({ timeout: 10_000 });
  await page.reload();
  await expect(
    page.getByTestId('todo-item').filter({ hasText: 'Run the tests with npm test' }).getByRole('checkbox'),
  ).toBeChecked();
  await slow.close();
  await fast.close();
});
