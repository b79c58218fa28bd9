/**
 * The copilot in the browser, against the scripted OpenAI-compatible model server (real AI SDK provider code, real
 * SSE): tool calls change the list live, approvals gate dangerous tools, failures are visible, Stop stops, the tools
 * offered depend on the page and its selection, and the conversation survives a reload.
 */
import { expect, test, type Page } from '@playwright/test';
import { modelRequests, offeredTools, scriptConversation } from './support/model-control';

async function openCopilot(page: Page, path = '/') {
  await page.goto(path);
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
  await page.getByTestId('copilot-toggle').click();
  await expect(page.getByTestId('copilot-input')).toBeVisible();
}

async function ask(page: Page, text: string) {
  await page.getByTestId('copilot-input').fill(text);
  await page.getByTestId('copilot-send').click();
}

const lastAssistant = (page: Page) =>
  page.locator('[data-testid="copilot-message"][data-role="assistant"]').last();
const todoTexts = (page: Page) => page.getByTestId('todo-text');

test('asked to add a todo, the tool runs, the todo appears in the list and the assistant replies', async ({
  page,
}) => {
  const token = await scriptConversation([
    { kind: 'tool-calls', calls: [{ name: 'addTodo', arguments: { text: 'Buy stamps' } }] },
    { kind: 'text', chunks: ['Added ', '“Buy stamps”.'] },
  ]);
  await openCopilot(page);
  await ask(page, `${token} add a todo to buy stamps`);

  await expect(todoTexts(page).filter({ hasText: 'Buy stamps' })).toHaveCount(1);
  const tool = page.getByTestId('copilot-tool');
  await expect(tool).toHaveAttribute('data-tool', 'addTodo');
  await expect(tool).toHaveAttribute('data-state', 'output-available');
  await expect(tool).toContainText('Buy stamps');
  await expect(lastAssistant(page)).toContainText('Added “Buy stamps”.');
});

test('two tool calls in one step both run', async ({ page }) => {
  const token = await scriptConversation([
    {
      kind: 'tool-calls',
      calls: [
        { name: 'addTodo', arguments: { text: 'Pack the tent' } },
        { name: 'addTodo', arguments: { text: 'Charge the lamp' } },
      ],
    },
    { kind: 'text', chunks: ['Both are on your list.'] },
  ]);
  await openCopilot(page);
  await ask(page, `${token} camping prep`);

  await expect(todoTexts(page).filter({ hasText: 'Pack the tent' })).toHaveCount(1);
  await expect(todoTexts(page).filter({ hasText: 'Charge the lamp' })).toHaveCount(1);
  await expect(page.locator('[data-testid="copilot-tool"][data-state="output-available"]')).toHaveCount(2);
  await expect(lastAssistant(page)).toContainText('Both are on your list.');
});

test.describe('a tool that needs approval', () => {
  async function requestDeletion(page: Page) {
    await page.goto('/');
    const first = page.getByTestId('todo-item').first();
    const id = await first.getAttribute('data-id');
    const text = (await first.getByTestId('todo-text').textContent()) ?? '';
    const token = await scriptConversation([
      { kind: 'tool-calls', calls: [{ name: 'deleteTodo', arguments: { id } }] },
      { kind: 'text', chunks: ['As you wish.'] },
    ]);
    await openCopilot(page);
    await ask(page, `${token} delete my first todo`);
    const tool = page.getByTestId('copilot-tool');
    await expect(tool).toHaveAttribute('data-state', 'approval-requested');
    // Waiting for the user: nothing has happened yet.
    await expect(todoTexts(page).filter({ hasText: text })).toHaveCount(1);
    return { token, text, tool };
  }

  test('approved: it runs and the todo disappears', async ({ page }) => {
    const { text, tool } = await requestDeletion(page);
    await page.getByTestId('copilot-approve').click();
    await expect(tool).toHaveAttribute('data-state', 'output-available');
    await expect(todoTexts(page).filter({ hasText: text })).toHaveCount(0);
    await expect(lastAssistant(page)).toContainText('As you wish.');
  });

  test('denied: it does not run, and the model is told', async ({ page }) => {
    const { token, text, tool } = await requestDeletion(page);
    await page.getByTestId('copilot-deny').click();
    await expect(tool).toHaveAttribute('data-state', 'output-denied');
    await expect(lastAssistant(page)).toContainText('As you wish.');
    await expect(todoTexts(page).filter({ hasText: text })).toHaveCount(1);
    const requests = await modelRequests(token);
    expect(JSON.stringify(requests.at(-1)?.body.messages)).toMatch(/denied/i);
  });
});

test('the provider failing mid-stream shows an error, and the app stays usable', async ({ page }) => {
  const token = await scriptConversation([{ kind: 'fail-after', chunks: ['Let me ', 'check'], delayMs: 50 }]);
  await openCopilot(page);
  await ask(page, `${token} what is on my list?`);
  await expect(page.getByTestId('copilot-error')).toContainText('model provider');

  // The list still works, and so does the next question.
  await page.getByLabel('New todo').fill('Still working');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(todoTexts(page).filter({ hasText: 'Still working' })).toHaveCount(1);
  const next = await scriptConversation([{ kind: 'text', chunks: ['Back again.'] }]);
  await ask(page, `${next} hello?`);
  await expect(lastAssistant(page)).toContainText('Back again.');
  await expect(page.getByTestId('copilot-error')).toHaveCount(0);
});

test('the stop button ends the stream', async ({ page }) => {
  const words = Array.from({ length: 40 }, (_, index) => `word${index} `);
  const token = await scriptConversation([{ kind: 'text', chunks: words, delayMs: 150 }]);
  await openCopilot(page);
  await ask(page, `${token} tell me a long story`);
  await expect(lastAssistant(page)).toContainText('word1 ');
  await page.getByTestId('copilot-stop').click();

  await expect(page.getByTestId('copilot-send')).toBeVisible();
  const stopped = await lastAssistant(page).textContent();
  // Stop reached the model: the app closed its request mid-answer (no more tokens generated or paid for).
  await expect
    .poll(async () => (await modelRequests(token))[0]?.closedEarly ?? false, { timeout: 5_000 })
    .toBe(true);
  expect(await lastAssistant(page).textContent()).toBe(stopped);
  expect(stopped).not.toContain('word39');
});

test('the tools offered differ between pages and follow the selected todo', async ({ page }) => {
  const onList = await scriptConversation([{ kind: 'text', chunks: ['On the list page.'] }]);
  await openCopilot(page, '/');
  await ask(page, `${onList} hi`);
  await expect(lastAssistant(page)).toContainText('On the list page.');
  const listTools = offeredTools((await modelRequests(onList))[0]);
  expect(listTools).toContain('addTodo');
  expect(listTools).not.toContain('setTodoText');
  expect(listTools).not.toContain('saveModelSettings');

  // Selecting a todo offers the tool that edits it, and it edits that one.
  const second = page.getByTestId('todo-item').nth(1);
  await second.getByRole('button', { name: /for the copilot/ }).click();
  const rename = await scriptConversation([
    { kind: 'tool-calls', calls: [{ name: 'setTodoText', arguments: { text: 'Renamed by the copilot' } }] },
    { kind: 'text', chunks: ['Renamed.'] },
  ]);
  await ask(page, `${rename} rename the selected todo`);
  await expect(second.getByTestId('todo-text')).toHaveText('Renamed by the copilot');
  expect(offeredTools((await modelRequests(rename))[0])).toContain('setTodoText');

  const onSettings = await scriptConversation([{ kind: 'text', chunks: ['On the settings page.'] }]);
  await openCopilot(page, '/settings');
  await ask(page, `${onSettings} hi`);
  await expect(lastAssistant(page)).toContainText('On the settings page.');
  const settingsTools = offeredTools((await modelRequests(onSettings))[0]);
  expect(settingsTools).toContain('saveModelSettings');
  expect(settingsTools).not.toContain('addTodo');
});

test('the conversation survives a reload, and New chat starts over', async ({ page }) => {
  const token = await scriptConversation([{ kind: 'text', chunks: ['Remember me.'] }]);
  await openCopilot(page);
  await ask(page, `${token} hello`);
  await expect(lastAssistant(page)).toContainText('Remember me.');

  await openCopilot(page);
  await expect(page.getByTestId('copilot-message')).toHaveCount(2);
  await expect(lastAssistant(page)).toContainText('Remember me.');

  await page.getByTestId('copilot-new-chat').click();
  await expect(page.getByTestId('copilot-message')).toHaveCount(0);
  await openCopilot(page);
  await expect(page.getByTestId('copilot-message')).toHaveCount(0);
});

test('an action started by a tool fills its todo in live', async ({ page }) => {
  const token = await scriptConversation([
    { kind: 'tool-calls', calls: [{ name: 'addGeneratedTodo', arguments: { prompt: 'garden chores' } }] },
    { kind: 'text', chunks: ['It is being written.'] },
  ]);
  await openCopilot(page);
  await ask(page, `${token} write me a garden todo`);
  const item = page.locator('[data-testid="todo-item"][data-status="generating"]');
  await expect(item).toHaveCount(1);
  // The generateTodo action streams the (default scripted) model's words into it through the change feed.
  await expect(todoTexts(page).filter({ hasText: 'Water the plants before the weekend' })).toHaveCount(1, {
    timeout: 15_000,
  });
});

test('unauthenticated and malformed chat requests are refused', async ({ request, playwright }) => {
  const anonymous = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  const noSession = await anonymous.post('/api/chat', {
    data: { messages: [{ id: '1', role: 'user', parts: [{ type: 'text', text: 'hi' }] }], url: 'http://x/' },
  });
  expect(noSession.status()).toBe(401);
  await anonymous.dispose();

  await request.get('/'); // A browser-like session.
  const malformed = await request.post('/api/chat', { data: { messages: 'nope', url: 'http://x/' } });
  expect(malformed.status()).toBe(400);
  expect(((await malformed.json()) as { error: string }).error).toMatch(/messages/);
});
