/**
 * Tabs of one browser share one change feed (framework/client/shared-feed.ts). Over HTTP/1.1 Chromium opens at most
 * 6 connections to a host: with a stream per tab, the seventh tab of the app never finished loading.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { signUp, uniqueEmail } from './support/accounts';

const FEED_PATH = '/api/trpc/sync.changes';
const TABS = 8;

/** Every change-feed request of the context, with the tab that made it. */
function recordFeeds(context: BrowserContext) {
  const feeds: { page: Page | null; at: number }[] = [];
  context.on('request', (request) => {
    if (new URL(request.url()).pathname === FEED_PATH) {
      feeds.push({ page: request.frame().page(), at: Date.now() });
    }
  });
  return feeds;
}

async function openLive(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto('/', { timeout: 15_000 });
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live', { timeout: 15_000 });
  return page;
}

async function addTodo(page: Page, text: string) {
  await page.getByLabel('New todo').fill(text);
  await page.getByLabel('New todo').press('Enter');
}

function todo(page: Page, text: string) {
  return page.getByTestId('todo-text').filter({ hasText: text });
}

test(`${TABS} tabs of one user all load and go live over one change feed; a change in any reaches all`, async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const context = await browser.newContext();
  const feeds = recordFeeds(context);
  const pages: Page[] = [];
  for (let i = 0; i < TABS; i++) pages.push(await openLive(context));
  expect(feeds.length, 'change-feed requests for all the tabs').toBe(1);

  const last = pages.at(-1) as Page;
  await addTodo(last, 'Typed in the last tab');
  for (const page of pages) await expect(todo(page, 'Typed in the last tab')).toBeVisible();
  await addTodo(pages[0] as Page, 'Typed in the first tab');
  for (const page of pages) await expect(todo(page, 'Typed in the first tab')).toBeVisible();

  // The tabs still load: a ninth opens as quickly as the first did.
  const ninth = await openLive(context);
  await expect(todo(ninth, 'Typed in the first tab')).toBeVisible();
  for (const page of pages) await expect(page.getByTestId('toast')).toHaveCount(0);
  await context.close();
});

test('closing the tab that holds the feed hands it to another; the others stay live and miss nothing', async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const context = await browser.newContext();
  const feeds = recordFeeds(context);
  const pages = [await openLive(context), await openLive(context), await openLive(context)];
  const holder = feeds[0]?.page;
  expect(holder, 'the first tab holds the feed').toBe(pages[0]);

  // Another window of the same user (a context of its own: a feed of its own) writes while the holder goes away.
  const elsewhere = await browser.newContext({ storageState: await context.storageState() });
  const writer = await openLive(elsewhere);
  await holder?.close();
  await addTodo(writer, 'Written while the holder closed');
  const [second, third] = pages.slice(1) as [Page, Page];
  await expect.poll(() => feeds.length, { message: 'another tab opened the feed' }).toBe(2);
  expect([second, third]).toContain(feeds[1]?.page);
  for (const page of [second, third]) {
    await expect(todo(page, 'Written while the holder closed')).toBeVisible();
    await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
  }
  await addTodo(writer, 'Written after the hand-off');
  for (const page of [second, third]) await expect(todo(page, 'Written after the hand-off')).toBeVisible();

  // A tab that did not hold the feed still sends its own changes, and they reach the other window.
  const follower = feeds[1]?.page === second ? third : second;
  await addTodo(follower, 'Typed in a tab that follows');
  await expect(todo(writer, 'Typed in a tab that follows')).toBeVisible();
  await expect(follower.getByTestId('toast')).toHaveCount(0);
  await elsewhere.close();
  await context.close();
});

test("signing out in one tab: the account's other tabs show Signed out; the new guest's tabs share a feed of their own", async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const context = await browser.newContext();
  const feeds = recordFeeds(context);
  const first = await context.newPage();
  await signUp(first, uniqueEmail());
  await expect(first.getByTestId('connection')).toHaveAttribute('data-state', 'live');
  await addTodo(first, 'Made as the account');
  const [second, third] = [await openLive(context), await openLive(context)];
  await expect(todo(third, 'Made as the account')).toBeVisible();

  // Sign-out ends the session and loads the page again: the browser gets a new guest.
  await second.getByRole('button', { name: 'Sign out' }).click();
  await expect(second.getByTestId('account-menu')).toHaveAttribute('data-account', 'guest');
  await expect(second.getByTestId('connection')).toHaveAttribute('data-state', 'live');
  await expect(todo(second, 'Made as the account')).toHaveCount(0);
  // The account's tabs do not switch to the guest by themselves, and none of them holds the feed any more.
  for (const page of [first, third]) {
    await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'signed-out');
  }
  const feedsAfterSignOut = feeds.length;

  // The new guest's tabs share a feed: a tab opened now sees the guest's change, and the guest's first tab its.
  await addTodo(second, 'Made as the new guest');
  const fourth = await openLive(context);
  await expect(todo(fourth, 'Made as the new guest')).toBeVisible();
  await expect(todo(fourth, 'Made as the account')).toHaveCount(0);
  await addTodo(fourth, 'Made in the fourth tab');
  await expect(todo(second, 'Made in the fourth tab')).toBeVisible();
  expect(feeds.length, 'the fourth tab opened no feed of its own').toBe(feedsAfterSignOut);
  for (const page of [first, third]) await expect(todo(page, 'Made as the new guest')).toHaveCount(0);
  await context.close();
});
