/**
 * Issue 13: the todo list written the React Query way (`/`: useSuspenseQuery + useMutation of the tRPC options
 * proxy, app/_components/todo-app-query.tsx) and the same list on the store's hooks (`/?list=hooks`): both show the
 * optimistic change while the server holds the mutation; the React Query one reports "Saving…" (isPending) until
 * the commit reaches the tab, and a refusal rolls back with useMutation's `error` on screen.
 */
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { testDelayHeaders } from './support/test-delay';

async function openLive(page: Page, path: string) {
  await page.goto(path);
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
}

/** A second window of the same user (same session cookie). */
async function sameUserContext(browser: Browser, context: BrowserContext) {
  return browser.newContext({ storageState: await context.storageState() });
}

/** Counts the mutation requests that got an answer from the server. */
function countAnswers(page: Page) {
  const answers = { count: 0 };
  page.on('response', (response) => {
    if (response.url().includes('/api/trpc/mutators.')) answers.count++;
  });
  return answers;
}

test('React Query way: the new todo shows at once, "Saving…" until the server commits it', async ({
  browser,
}) => {
  const context = await browser.newContext({ extraHTTPHeaders: testDelayHeaders(2000) });
  const page = await context.newPage();
  await openLive(page, '/?list=query');
  await expect(page.getByText('Written with React Query')).toBeVisible();
  const answers = countAnswers(page);

  await page.getByLabel('New todo').fill('Held by the server');
  await page.getByLabel('New todo').press('Enter');
  await expect(page.getByTestId('todo-text').filter({ hasText: 'Held by the server' })).toBeVisible({
    timeout: 300,
  });
  await expect(page.getByTestId('list-saving')).toBeVisible();
  expect(answers.count).toBe(0);

  // Committed: the pending state ends, the row stays, and a reload (server state only) has it once.
  await expect(page.getByTestId('list-saving')).toHaveCount(0, { timeout: 10_000 });
  expect(answers.count).toBe(1);
  await expect(page.getByTestId('todo-text').filter({ hasText: 'Held by the server' })).toHaveCount(1);
  await page.reload();
  await expect(page.getByTestId('todo-text').filter({ hasText: 'Held by the server' })).toHaveCount(1);
  await context.close();
});

test('React Query way: a refused change is rolled back and its error shown; the next change stays', async ({
  browser,
}) => {
  const slow = await browser.newContext({ extraHTTPHeaders: testDelayHeaders(3000) });
  const page = await slow.newPage();
  await openLive(page, '/?list=query');
  const fast = await sameUserContext(browser, slow);
  const fastPage = await fast.newPage();
  await openLive(fastPage, '/?list=query');

  // Held 3 s on the server: the other window's delete of the same todo commits first.
  const doomed = page.getByTestId('todo-item').filter({ hasText: 'Call the API from a script' });
  await doomed.getByTestId('todo-text').click();
  await page.getByLabel('Edit todo').fill('Renamed, then refused');
  await page.getByLabel('Edit todo').press('Enter');
  await expect(page.getByTestId('todo-text').filter({ hasText: 'Renamed, then refused' })).toBeVisible({
    timeout: 300,
  });
  const kept = page.getByTestId('todo-item').filter({ hasText: 'Run the tests with npm test' });
  await kept.getByRole('checkbox').check();
  await fastPage
    .getByTestId('todo-item')
    .filter({ hasText: 'Call the API from a script' })
    .getByRole('button', { name: /^Delete/ })
    .click();

  await expect(page.getByTestId('list-error')).toContainText('No todo with id', { timeout: 10_000 });
  await expect(page.getByTestId('todo-text').filter({ hasText: 'Renamed, then refused' })).toHaveCount(0);
  await expect(kept.getByRole('checkbox')).toBeChecked();
  await expect(page.getByTestId('list-saving')).toHaveCount(0, { timeout: 10_000 });
  await page.reload();
  await expect(
    page.getByTestId('todo-item').filter({ hasText: 'Run the tests with npm test' }).getByRole('checkbox'),
  ).toBeChecked();
  await slow.close();
  await fast.close();
});

test('hooks way (/?list=hooks): the same list shows the change while the server holds it', async ({
  browser,
}) => {
  const context = await browser.newContext({ extraHTTPHeaders: testDelayHeaders(2000) });
  const page = await context.newPage();
  await openLive(page, '/?list=hooks');
  await expect(page.getByText('Written with useRows')).toBeVisible();
  const answers = countAnswers(page);

  const item = page.getByTestId('todo-item').filter({ hasText: 'Run the tests with npm test' });
  await item.getByRole('checkbox').click();
  await expect(item.getByRole('checkbox')).toBeChecked({ timeout: 300 });
  expect(answers.count).toBe(0);
  await expect.poll(() => answers.count, { timeout: 10_000 }).toBe(1);
  await page.reload();
  await expect(
    page.getByTestId('todo-item').filter({ hasText: 'Run the tests with npm test' }).getByRole('checkbox'),
  ).toBeChecked();
  await context.close();
});
