/**
 * MCP with the official SDK client against the running server: a token made in the browser lists and calls tools,
 * and the change reaches the user's open page live; tools not offered are neither listed nor callable; a revoked
 * token is refused.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { expect, test } from '@playwright/test';
import { createTokenInBrowser } from './support/api-token';

async function connect(baseURL: string, token: string) {
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL('/api/mcp', baseURL), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

test('an MCP client lists tools, calls one, and the change appears in the open page live', async ({
  page,
  baseURL,
}) => {
  const token = await createTokenInBrowser(page);
  await page.goto('/');
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');

  const client = await connect(baseURL ?? '', token);
  const names = (await client.listTools()).tools.map((tool) => tool.name);
  expect(names).toEqual(
    expect.arrayContaining(['addTodo', 'listTodos', 'setTodoCompleted', 'summarizeTodos']),
  );
  // Approval-only and page-only tools are not offered over MCP.
  for (const hidden of ['deleteTodo', 'startFresh', 'setTodoText', 'saveModelSettings']) {
    expect(names).not.toContain(hidden);
  }

  const result = await client.callTool({ name: 'addTodo', arguments: { text: 'Added by an MCP client' } });
  expect(result.isError).toBeFalsy();
  await expect(page.getByTestId('todo-text').filter({ hasText: 'Added by an MCP client' })).toHaveCount(1);

  const hidden = await client
    .callTool({ name: 'deleteTodo', arguments: { id: (result.structuredContent as { id: string }).id } })
    .then((outcome) => outcome.isError)
    .catch(() => true);
  expect(hidden).toBe(true);
  await expect(page.getByTestId('todo-text').filter({ hasText: 'Added by an MCP client' })).toHaveCount(1);

  const invalid = await client.callTool({ name: 'addTodo', arguments: { text: '' } });
  expect(invalid.isError).toBe(true);
  expect(JSON.stringify(invalid.content)).toMatch(/text/);
  await client.close();
});

test('a revoked token is refused', async ({ page, baseURL, request }) => {
  const token = await createTokenInBrowser(page, 'to revoke');
  await page.getByRole('button', { name: 'Revoke to revoke' }).click();
  await expect(page.getByTestId('api-token').first()).toHaveAttribute('data-revoked', 'true');

  await expect(connect(baseURL ?? '', token)).rejects.toThrow();
  const response = await request.post('/api/mcp', {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json, text/event-stream' },
    data: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
  });
  expect(response.status()).toBe(401);
});
