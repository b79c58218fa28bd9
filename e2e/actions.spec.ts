/**
 * Server actions in the browser: generate-with-AI fills a todo in word by word (through the scripted model server
 * and the real AI SDK provider), a background run shows a progress bar that reaches 100 %, and CSV import/export.
 */
import { expect, test } from '@playwright/test';

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
});

test('generate with AI: the todo fills in word by word, then shows ready', async ({ page }) => {
  // Every text a generating todo shows, recorded in the page as React commits it: polling from the test could miss
  // the partial texts on a loaded machine, where the whole answer can stream between two polls.
  await page.evaluate(() => {
    const seen = new Set<string>();
    (window as unknown as { generatingTexts: Set<string> }).generatingTexts = seen;
    new MutationObserver(() => {
      for (const item of document.querySelectorAll('[data-testid="todo-item"][data-status="generating"]')) {
        seen.add(
          (item.querySelector('[data-testid="todo-text"]')?.textContent ?? '').replace('writing…', '').trim(),
        );
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  await page.getByLabel('Generate a todo with AI').fill('something for the garden');
  await page.getByRole('button', { name: 'Generate' }).click();
  const item = page.getByTestId('todo-item').last();
  await expect(item).toHaveAttribute('data-status', 'generating');
  await expect(item).toHaveAttribute('data-status', 'ready', { timeout: 15_000 });
  await expect(item.getByTestId('todo-text')).toHaveText('Water the plants before the weekend');
  // It was seen part-written on the way: at least two partial texts before the final one.
  const texts = await page.evaluate(() => [
    ...(window as unknown as { generatingTexts: Set<string> }).generatingTexts,
  ]);
  const partial = texts.filter((text) => text && text !== 'Water the plants before the weekend');
  expect(partial.length).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('run').first()).toHaveAttribute('data-status', 'succeeded');
});

test('a background run shows a progress bar that reaches 100 %', async ({ page }) => {
  // Every value the newest run's bar shows, recorded in the page as React commits it (as for the generated text
  // above: a poll from the test can miss the steps on a loaded machine).
  await page.evaluate(() => {
    const seen = new Set<string>();
    (window as unknown as { progressValues: Set<string> }).progressValues = seen;
    new MutationObserver(() => {
      const bar = document.querySelector('[data-testid="run"] [data-testid="run-progress"]');
      seen.add(bar?.getAttribute('data-value') ?? '');
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  await page.getByRole('button', { name: 'Tidy up (background)' }).click();
  const run = page.getByTestId('run').first();
  await expect(run).toHaveAttribute('data-status', 'succeeded', { timeout: 15_000 });
  await expect(run.getByTestId('run-progress')).toHaveAttribute('data-value', '100');
  // And a completion notice.
  await expect(page.getByTestId('notice')).toContainText('tidyUp succeeded');
  // It moved through intermediate values (4 todos: 25, 50, 75 %), not straight to done.
  const values = await page.evaluate(() => [
    ...(window as unknown as { progressValues: Set<string> }).progressValues,
  ]);
  expect(values.some((value) => value !== '' && value !== '0' && value !== '100')).toBe(true);
});

test('a synchronous action answers in place', async ({ page }) => {
  await page.getByRole('button', { name: 'Summarize' }).click();
  await expect(page.getByTestId('action-result')).toContainText('4 todos, 1 done');
});

test('CSV import adds every row or none, and export downloads them', async ({ page }) => {
  const request = page.request;
  const good = await request.post('/api/todos/import', {
    headers: { 'content-type': 'text/csv' },
    data: 'text,completed\nFrom the file,false\n"With, a comma",true\n',
  });
  expect(good.status()).toBe(200);
  expect(await good.json()).toEqual({ imported: 2 });
  await expect(page.getByTestId('todo-text').filter({ hasText: 'With, a comma' })).toBeVisible();

  const bad = await request.post('/api/todos/import', {
    headers: { 'content-type': 'text/csv' },
    data: 'text,completed\nFine,false\n,false\nAlso fine,maybe\n',
  });
  expect(bad.status()).toBe(400);
  const body = (await bad.json()) as { errors: { line: number; field: string }[] };
  expect(body.errors).toEqual([
    expect.objectContaining({ line: 3, field: 'text' }),
    expect.objectContaining({ line: 4, field: 'completed' }),
  ]);
  const tooBig = await request.post('/api/todos/import', {
    headers: { 'content-type': 'text/csv' },
    data: `text\n${'x,false\n'.repeat(200_000)}`,
  });
  expect(tooBig.status()).toBe(413);
  await page.reload();
  await expect(page.getByTestId('todo-text').filter({ hasText: 'Fine' })).toHaveCount(0);
  await expect(page.getByTestId('todo-item')).toHaveCount(6);

  const exported = await request.get('/api/todos/export');
  expect(exported.headers()['content-type']).toContain('text/csv');
  const csv = await exported.text();
  expect(csv.split('\n')[0]).toBe('text,completed');
  expect(csv).toContain('"With, a comma",true');
  expect(csv.trim().split('\n')).toHaveLength(7);
});
