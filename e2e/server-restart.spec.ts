/**
 * The page survives a server restart: it shows it is reconnecting, keeps changes made meanwhile, and after the
 * server is back it has exactly the server's rows — nothing lost, nothing twice.
 */
import { expect, test } from '@playwright/test';
import { startNextServer, tempPgliteDir } from './support/next-server';

const PORT = 3181;

test('the page recovers after the server restarts, with no lost or duplicated rows', async ({ page }) => {
  test.setTimeout(120_000);
  const dataDir = tempPgliteDir('restart');
  let server = await startNextServer(PORT, { PGLITE_DIR: dataDir });
  try {
    await page.goto(`${server.url}/`);
    await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
    const committed = page.waitForResponse((response) =>
      response.url().includes('/api/trpc/mutators.addTodo'),
    );
    await page.getByLabel('New todo').fill('Before the restart');
    await page.getByLabel('New todo').press('Enter');
    await expect(page.getByTestId('todo-text').filter({ hasText: 'Before the restart' })).toBeVisible();
    await committed;

    await server.stop();
    await expect(page.getByTestId('connection')).not.toHaveAttribute('data-state', 'live');
    // Changed while the server is down: shown at once, sent when it is back.
    await page.getByLabel('New todo').fill('While the server was down');
    await page.getByLabel('New todo').press('Enter');
    await expect(
      page.getByTestId('todo-text').filter({ hasText: 'While the server was down' }),
    ).toBeVisible();

    const retried = page.waitForResponse(
      (response) => response.url().includes('/api/trpc/mutators.addTodo') && response.ok(),
      { timeout: 30_000 },
    );
    server = await startNextServer(PORT, { PGLITE_DIR: dataDir });
    await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live', { timeout: 30_000 });
    await retried;

    const texts = async () => (await page.getByTestId('todo-text').allTextContents()).sort();
    const live = await texts();
    await page.reload();
    await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
    const fromServer = await texts();
    expect(live).toEqual(fromServer);
    expect(fromServer.filter((text) => text === 'Before the restart')).toHaveLength(1);
    expect(fromServer.filter((text) => text === 'While the server was down')).toHaveLength(1);
    expect(fromServer).toHaveLength(6); // 4 welcome todos + 2
  } finally {
    await server.stop();
  }
});
