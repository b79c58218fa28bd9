/**
 * A deploy that changes the schema version, with two real builds: a tab opened on build N holds a change made while
 * the server was down; build N+1 (this tree with the version bumped) starts on the same database; the tab shows the
 * reload notice instead of a failed change; after the reload the change is applied exactly once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type APIRequestContext } from '@playwright/test';
import { startNextServer, tempPgliteDir, type RunningServer } from './support/next-server';
import { buildEditedCopy, type SecondBuild } from './support/second-build';
import { freePort } from './support/topology/free-port';

/** Build N+1: the same tree with `schemaVersion` one higher (mutators/schema-version.ts). */
function bumpSchemaVersion(root: string) {
  const file = path.join(root, 'mutators', 'schema-version.ts');
  const source = fs.readFileSync(file, 'utf8');
  const match = /export const schemaVersion = (\d+);/.exec(source);
  if (!match?.[1]) throw new Error(`no "export const schemaVersion = <n>;" in ${file}`);
  fs.writeFileSync(file, source.replace(match[0], `export const schemaVersion = ${Number(match[1]) + 1};`));
}

/** The user's todo texts as the server has them (the page's session cookie, through `todos.list`). */
async function serverTexts(request: APIRequestContext, url: string): Promise<string[]> {
  const response = await request.get(`${url}/api/trpc/todos.list`);
  expect(response.ok()).toBe(true);
  const body = (await response.json()) as { result: { data: { json: { text: string }[] } } };
  return body.result.data.json.map((todo) => todo.text);
}

test('after a deploy with a new schema version, the old tab offers a reload and its pending change is applied once', async ({
  page,
}) => {
  // One extra production build; on a loaded two-core machine it takes minutes.
  test.setTimeout(900_000);
  const port = await freePort();
  const dataDir = tempPgliteDir('schema-version');
  // Started at once: the build runs while the tab works against build N.
  const secondBuild: Promise<SecondBuild> = buildEditedCopy(bumpSchemaVersion);
  secondBuild.catch(() => undefined); // Awaited (and its failure reported) below.
  let server: RunningServer | null = await startNextServer(port, { PGLITE_DIR: dataDir });
  let built: SecondBuild | null = null;
  try {
    await page.goto(`${server.url}/`);
    await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
    const committed = page.waitForResponse(
      (response) => response.url().includes('/api/trpc/mutators.addTodo') && response.ok(),
    );
    await page.getByLabel('New todo').fill('Saved on build N');
    await page.getByLabel('New todo').press('Enter');
    await committed;

    await server.stop();
    server = null;
    await expect(page.getByTestId('connection')).not.toHaveAttribute('data-state', 'live');
    await page.getByLabel('New todo').fill('Made while the server was down');
    await page.getByLabel('New todo').press('Enter');
    const pendingRow = page.getByTestId('todo-text').filter({ hasText: 'Made while the server was down' });
    await expect(pendingRow).toHaveCount(1);

    built = await secondBuild;
    server = await startNextServer(port, { PGLITE_DIR: dataDir }, { serverJs: built.serverJs });

    // The old tab: a reload notice (not a failed change), its change still shown and not written.
    const notice = page.getByRole('alert').filter({ hasText: 'A new version is available' });
    await expect(notice).toBeVisible({ timeout: 60_000 });
    await expect(notice).toContainText('1 unsaved change');
    await expect(pendingRow).toHaveCount(1);
    await expect(page.getByText('Change not saved')).toHaveCount(0);
    // Refused (by the mutation's 412 or the feed's, whichever came first), so not written yet.
    expect(await serverTexts(page.request, server.url)).not.toContain('Made while the server was down');

    const replayed = page.waitForResponse(
      (response) => response.url().includes('/api/trpc/mutators.addTodo') && response.ok(),
      { timeout: 60_000 },
    );
    await notice.getByRole('button', { name: 'Reload' }).click();
    await replayed;
    // The reloaded page (build N+1): no reload notice, and nothing dropped (the change still validates).
    await expect(notice).toHaveCount(0);
    await expect(page.getByTestId('restore-notice')).toHaveCount(0);
    await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');

    // From the server, on a fresh load: each change exactly once, nothing else added.
    await page.reload();
    await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
    const texts = await page.getByTestId('todo-text').allTextContents();
    expect(texts.sort()).toEqual((await serverTexts(page.request, server.url)).sort());
    expect(texts.filter((text) => text === 'Saved on build N')).toHaveLength(1);
    expect(texts.filter((text) => text === 'Made while the server was down')).toHaveLength(1);
    expect(texts).toHaveLength(6); // 4 welcome todos + 2
  } finally {
    await server?.stop();
    (built ?? (await secondBuild.catch(() => null)))?.remove();
  }
});
