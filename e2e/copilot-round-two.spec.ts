/**
 * The copilot, round two, in the browser against the production build and the scripted model: threads (long ones
 * keep working, several keep their messages), approval cards in words, results rendered by the app, browser-run
 * tools, notices when a turn is cut off, approvals answered where the tool is gone, live settings, and the layout
 * (the page stays usable beside the panel, a sheet on phones, focus, Escape, axe).
 */
import AxeBuilder from '@axe-core/playwright';
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

test('60 turns in one thread, then one more: it still answers', async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  await page.goto('/');
  const thread = `long-${crypto.randomUUID()}`;
  await page.evaluate((id) => window.localStorage.setItem('copilot-thread', id), thread);
  const token = await scriptConversation([{ kind: 'text', chunks: ['Noted.'] }]);
  // The first 60 turns straight to the endpoint, as the panel sends them (only the newest message).
  for (let turn = 0; turn < 60; turn++) {
    const response = await page.request.post('/api/chat', {
      headers: { origin: baseURL ?? '' },
      data: {
        id: thread,
        messages: [
          { id: `m${turn}`, role: 'user', parts: [{ type: 'text', text: `${token} turn ${turn}` }] },
        ],
        url: `${baseURL}/`,
      },
    });
    expect(response.status()).toBe(200);
  }
  await page.getByTestId('copilot-toggle').click();
  await expect(page.getByTestId('copilot-message')).toHaveCount(120);
  const more = await scriptConversation([{ kind: 'text', chunks: ['Turn 61 works.'] }]);
  await ask(page, `${more} one more`);
  await expect(lastAssistant(page)).toContainText('Turn 61 works.');
  await expect(page.getByTestId('copilot-error')).toHaveCount(0);
});

test('two threads switch and keep their messages, also after a reload', async ({ page }) => {
  const first = await scriptConversation([{ kind: 'text', chunks: ['Answer in the first thread.'] }]);
  const second = await scriptConversation([{ kind: 'text', chunks: ['Answer in the second thread.'] }]);
  await openCopilot(page);
  await page.getByTestId('copilot-new-chat').click();
  await ask(page, `${first} first`);
  await expect(lastAssistant(page)).toContainText('Answer in the first thread.');
  await page.getByTestId('copilot-new-chat').click();
  await expect(page.getByTestId('copilot-message')).toHaveCount(0);
  await ask(page, `${second} second`);
  await expect(lastAssistant(page)).toContainText('Answer in the second thread.');

  const threads = page.getByTestId('copilot-threads');
  await threads.selectOption({ label: `${first} first` });
  await expect(page.getByTestId('copilot-message')).toHaveCount(2);
  await expect(lastAssistant(page)).toContainText('Answer in the first thread.');
  await threads.selectOption({ label: `${second} second` });
  await expect(lastAssistant(page)).toContainText('Answer in the second thread.');

  // Rename the open one; after a reload the panel opens it again, with its messages and its name.
  await page.getByTestId('copilot-rename').click();
  await page.getByTestId('copilot-rename-input').fill('Second, renamed');
  await page.getByTestId('copilot-rename-save').click();
  await expect(threads.locator('option:checked')).toHaveText('Second, renamed');
  await openCopilot(page);
  await expect(page.getByTestId('copilot-threads').locator('option:checked')).toHaveText('Second, renamed');
  await expect(lastAssistant(page)).toContainText('Answer in the second thread.');

  // Delete it: the other thread opens.
  await page.getByTestId('copilot-delete-thread').click();
  await expect(lastAssistant(page)).toContainText('Answer in the first thread.');
});

test('an approval card names the todo by its text', async ({ page }) => {
  await page.goto('/');
  const first = page.getByTestId('todo-item').first();
  const id = await first.getAttribute('data-id');
  const text = (await first.getByTestId('todo-text').textContent()) ?? '';
  const token = await scriptConversation([
    { kind: 'tool-calls', calls: [{ name: 'deleteTodo', arguments: { id } }] },
  ]);
  await openCopilot(page);
  await ask(page, `${token} delete my first todo`);
  const tool = page.getByTestId('copilot-tool');
  await expect(tool).toHaveAttribute('data-state', 'approval-requested');
  await expect(tool.getByTestId('copilot-tool-description')).toHaveText(`Delete the todo ‘${text}’?`);
  await expect(tool).not.toContainText(String(id));
});

test('summarize renders as a card, and a created todo as a link that highlights it', async ({ page }) => {
  const token = await scriptConversation([
    {
      kind: 'tool-calls',
      calls: [
        { name: 'summarizeTodos', arguments: {} },
        { name: 'addTodo', arguments: { text: 'Linked from the chat' } },
      ],
    },
    { kind: 'text', chunks: ['Here is your summary.'] },
  ]);
  await openCopilot(page);
  await ask(page, `${token} summarize`);
  const card = page.getByTestId('copilot-result-summary');
  await expect(card).toBeVisible();
  await expect(card).toContainText('Todos');
  const link = page.getByTestId('copilot-result-todo-link');
  await expect(link).toHaveText('Linked from the chat');
  await link.click();
  const item = page.locator('[data-testid="todo-item"][data-highlighted="true"]');
  await expect(item.getByTestId('todo-text')).toHaveText('Linked from the chat');
});

test('a browser-run tool selects a todo in the tab, and the next turn is offered setTodoText', async ({
  page,
}) => {
  await page.goto('/');
  const second = page.getByTestId('todo-item').nth(1);
  const text = (await second.getByTestId('todo-text').textContent()) ?? '';
  const token = await scriptConversation([
    { kind: 'tool-calls', calls: [{ name: 'selectTodo', arguments: { text } }] },
    { kind: 'text', chunks: ['Selected it.'] },
  ]);
  await openCopilot(page);
  await ask(page, `${token} select the second todo`);
  await expect(lastAssistant(page)).toContainText('Selected it.');
  await expect(second.getByRole('button', { name: /for the copilot/ })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  const requests = await modelRequests(token);
  expect(offeredTools(requests[0])).toContain('selectTodo');
  // The tab's result went back to the model.
  expect(JSON.stringify(requests[1]?.body.messages)).toContain(text);

  const next = await scriptConversation([{ kind: 'text', chunks: ['Ready to rename.'] }]);
  await ask(page, `${next} now rename it`);
  await expect(lastAssistant(page)).toContainText('Ready to rename.');
  expect(offeredTools((await modelRequests(next))[0])).toContain('setTodoText');
});

test('a browser-run tool fills the add box for the user to review (it does not add)', async ({ page }) => {
  const token = await scriptConversation([
    { kind: 'tool-calls', calls: [{ name: 'fillAddBox', arguments: { text: 'Drafted by the copilot' } }] },
    { kind: 'text', chunks: ['Review it and press Add.'] },
  ]);
  await openCopilot(page);
  await ask(page, `${token} draft a todo`);
  await expect(lastAssistant(page)).toContainText('Review it and press Add.');
  await expect(page.getByLabel('New todo')).toHaveValue('Drafted by the copilot');
  await expect(page.getByTestId('todo-text').filter({ hasText: 'Drafted by the copilot' })).toHaveCount(0);
});

test('a browser-run tool opens the settings page, and the panel stays open there', async ({ page }) => {
  const token = await scriptConversation([
    { kind: 'tool-calls', calls: [{ name: 'openSettings', arguments: {} }] },
    { kind: 'text', chunks: ['Here are your settings.'] },
  ]);
  await openCopilot(page);
  await ask(page, `${token} take me to settings`);
  await expect(page).toHaveURL(/\/settings$/);
  await expect(lastAssistant(page)).toContainText('Here are your settings.');
  // The next step was asked from the settings page: its tools were offered.
  expect(offeredTools((await modelRequests(token))[1])).toContain('saveModelSettings');
});

test('the page offers suggestions as chips, and a chip asks', async ({ page }) => {
  await openCopilot(page);
  const chip = page.getByTestId('copilot-suggestion').filter({ hasText: 'Summarize my list' });
  await expect(chip).toBeVisible();
  await chip.click();
  await expect(page.locator('[data-testid="copilot-message"][data-role="user"]').last()).toHaveText(
    'Summarize my list',
  );
});

test('the step limit ends a turn with a notice and a Continue button', async ({ page }) => {
  const token = await scriptConversation(
    Array.from({ length: 12 }, (_, step) => ({
      kind: 'tool-calls' as const,
      calls: [{ name: 'addTodo', arguments: { text: `Step ${step}` } }],
    })),
  );
  await openCopilot(page);
  await ask(page, `${token} keep adding`);
  const notice = page.getByTestId('copilot-notice');
  await expect(notice).toHaveAttribute('data-kind', 'step-limit');
  await expect(notice).toContainText('step limit');
  await expect(page.getByTestId('copilot-continue')).toBeVisible();
});

test('the same call three times in a row stops the turn with a notice', async ({ page }) => {
  const same = {
    kind: 'tool-calls' as const,
    calls: [{ name: 'addTodo', arguments: { text: 'Again and again' } }],
  };
  const token = await scriptConversation([same, same, same, same]);
  await openCopilot(page);
  await ask(page, `${token} loop`);
  await expect(page.getByTestId('copilot-notice')).toHaveAttribute('data-kind', 'repeated-call');
  await expect(page.getByTestId('todo-text').filter({ hasText: 'Again and again' })).toHaveCount(2);
});

test('approving after navigating away shows "did not run" at once, without a reload', async ({ page }) => {
  const token = await scriptConversation([
    {
      kind: 'tool-calls',
      calls: [{ name: 'saveModelSettings', arguments: { model: 'never-saved', systemPrompt: null } }],
    },
    { kind: 'text', chunks: ['Noted.'] },
  ]);
  await openCopilot(page, '/settings');
  await ask(page, `${token} use the model never-saved`);
  const tool = page.getByTestId('copilot-tool');
  await expect(tool).toHaveAttribute('data-state', 'approval-requested');
  await page.getByRole('navigation', { name: 'Main' }).locator('a[href="/"]').click();
  await expect(page).toHaveURL(/\/$/);
  await page.getByTestId('copilot-approve').click();
  await expect(tool).toHaveAttribute('data-state', 'output-error');
  await expect(tool.getByTestId('copilot-tool-state')).toHaveText('did not run');
  await expect(tool.getByTestId('copilot-tool-error')).toContainText('did not run');
});

test('the settings form shows the copilot’s change, and a later Save keeps it', async ({ page }) => {
  const token = await scriptConversation([
    {
      kind: 'tool-calls',
      calls: [
        { name: 'saveModelSettings', arguments: { model: 'copilot-chosen-model', systemPrompt: null } },
      ],
    },
    { kind: 'text', chunks: ['Saved.'] },
  ]);
  await openCopilot(page, '/settings');
  await expect(page.getByTestId('settings-model')).toHaveValue('');
  await ask(page, `${token} use the model copilot-chosen-model`);
  await page.getByTestId('copilot-approve').click();
  await expect(page.getByTestId('copilot-tool')).toHaveAttribute('data-state', 'output-available');
  await expect(page.getByTestId('settings-model')).toHaveValue('copilot-chosen-model');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
  await page.reload();
  await expect(page.getByTestId('settings-model')).toHaveValue('copilot-chosen-model');
});

test.describe('layout and accessibility', () => {
  test('at 1280 px the page narrows beside the panel and every list button stays clickable', async ({
    page,
  }) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await openCopilot(page);
    const panel = await page.getByTestId('copilot-panel').boundingBox();
    const list = await page.getByTestId('todo-list').boundingBox();
    expect(panel && list && list.x + list.width <= panel.x).toBe(true);
    const buttons = page.getByTestId('todo-list').getByRole('button', { disabled: false });
    const count = await buttons.count();
    expect(count).toBeGreaterThan(0);
    // A trial click fails when another element (the panel) would receive it.
    for (let index = 0; index < count; index++)
      await buttons.nth(index).click({ trial: true, timeout: 2_000 });
    await page.getByRole('checkbox').first().click();
  });

  test('on a phone the panel is a full-screen sheet', async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await openCopilot(page);
    const panel = await page.getByTestId('copilot-panel').boundingBox();
    expect(panel).toMatchObject({ x: 0, y: 0, width: 390, height: 844 });
  });

  test('focus on open, Escape closes and gives focus back, keyboard only', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
    await page.getByTestId('copilot-toggle').focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('copilot-input')).toBeFocused();
    const token = await scriptConversation([{ kind: 'text', chunks: ['Typed without a mouse.'] }]);
    await page.keyboard.type(`${token} hello`);
    await page.keyboard.press('Enter');
    await expect(lastAssistant(page)).toContainText('Typed without a mouse.');
    // The finished reply is announced to screen readers.
    await expect(page.getByTestId('copilot-announcer')).toHaveText('Typed without a mouse.');
    await expect(page.getByTestId('copilot-announcer')).toHaveAttribute('aria-live', 'polite');
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('copilot-panel')).toHaveCount(0);
    await expect(page.getByTestId('copilot-toggle')).toBeFocused();
  });

  test('axe finds no serious violation in the panel', async ({ page }) => {
    const token = await scriptConversation([
      { kind: 'tool-calls', calls: [{ name: 'summarizeTodos', arguments: {} }] },
      { kind: 'text', chunks: ['All good.'] },
    ]);
    await openCopilot(page);
    await ask(page, `${token} summarize`);
    await expect(lastAssistant(page)).toContainText('All good.');
    const results = await new AxeBuilder({ page }).include('[data-testid="copilot-panel"]').analyze();
    const serious = results.violations.filter(
      (violation) => violation.impact === 'serious' || violation.impact === 'critical',
    );
    const described = serious.map(
      (violation) =>
        `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`,
    );
    expect(described).toEqual([]);
  });
});

test.describe('resumable answers', () => {
  const words = Array.from({ length: 30 }, (_, index) => `word${index} `);

  test('a reload mid-answer resumes it, and it completes once', async ({ page }) => {
    const token = await scriptConversation([{ kind: 'text', chunks: words, delayMs: 120 }]);
    await openCopilot(page);
    await ask(page, `${token} tell me a long story`);
    await expect(lastAssistant(page)).toContainText('word2 ');
    await page.reload();
    await page.getByTestId('copilot-toggle').click();
    await expect(lastAssistant(page)).toContainText('word29', { timeout: 15_000 });
    await expect(page.locator('[data-testid="copilot-message"][data-role="assistant"]')).toHaveCount(1);
    expect(await modelRequests(token)).toHaveLength(1);
    // And once more after it ended: the thread holds the one answer.
    await openCopilot(page);
    await expect(page.locator('[data-testid="copilot-message"][data-role="assistant"]')).toHaveCount(1);
    await expect(lastAssistant(page)).toHaveText(words.join('').trim());
  });

  test('two tabs on one thread see the same answer', async ({ page, context }) => {
    const token = await scriptConversation([{ kind: 'text', chunks: words, delayMs: 100 }]);
    await openCopilot(page);
    await ask(page, `${token} tell both tabs`);
    await expect(lastAssistant(page)).toContainText('word1 ');
    const second = await context.newPage();
    await openCopilot(second);
    await expect(lastAssistant(second)).toContainText('word29', { timeout: 15_000 });
    await expect(lastAssistant(page)).toContainText('word29');
    expect(await lastAssistant(second).textContent()).toBe(await lastAssistant(page).textContent());
    expect(await modelRequests(token)).toHaveLength(1);
  });

  test('a panel already open in another tab catches up when the user comes back to it', async ({
    page,
    context,
  }) => {
    const second = await context.newPage();
    await openCopilot(second);
    const token = await scriptConversation([{ kind: 'text', chunks: words, delayMs: 80 }]);
    await openCopilot(page);
    await ask(page, `${token} for the other tab too`);
    await expect(lastAssistant(page)).toContainText('word1 ');
    // The user switches back to the other tab (Playwright's pages do not get focus events by themselves).
    await second.bringToFront();
    await second.evaluate(() => window.dispatchEvent(new Event('focus')));
    await expect(lastAssistant(second)).toContainText('word29', { timeout: 15_000 });
    await expect(second.locator('[data-testid="copilot-message"][data-role="user"]').last()).toContainText(
      token,
    );
    expect(await modelRequests(token)).toHaveLength(1);
  });
});
