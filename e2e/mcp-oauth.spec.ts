/**
 * OAuth for MCP with the official SDK client against the running app: it finds the authorization server from the
 * 401, registers itself, sends the user's browser to the consent page (a signed-in user clicks Allow), gets the code
 * on a local callback server, exchanges it (PKCE), lists and calls tools (the change appears in an open page live);
 * after the user revokes it on the settings page, its next call gets 401.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { expect, test } from '@playwright/test';

/** The client's side of the redirect: a tiny HTTP server on a loopback port that captures the code. */
async function startCallbackServer() {
  let resolveCode: (code: string) => void = () => {};
  const code = new Promise<string>((resolve) => (resolveCode = resolve));
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const received = url.searchParams.get('code');
    response.writeHead(received ? 200 : 400, { 'content-type': 'text/plain' });
    response.end(
      received ? 'Connected: you can close this tab.' : `No code: ${url.searchParams.get('error')}`,
    );
    if (received) resolveCode(received);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    redirectUrl: `http://127.0.0.1:${port}/callback`,
    code,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An MCP client's OAuth state, in memory: what a real client keeps in its config or keychain. */
class MemoryOAuthProvider implements OAuthClientProvider {
  client?: OAuthClientInformationMixed;
  saved?: OAuthTokens;
  verifier = '';
  authorizationUrl?: URL;
  constructor(readonly redirectUrl: string) {}
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'E2E MCP client',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(information: OAuthClientInformationMixed) {
    this.client = information;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

test('an MCP client connects by OAuth, calls a tool live, and is refused once revoked', async ({
  page,
  context,
  baseURL,
}) => {
  test.setTimeout(60_000);
  const app = baseURL ?? '';
  // A signed-in user: sign up through the app's API in this browser context before any tab is open (an open guest
  // tab's feed, ended by the upgrade, could reconnect with the old cookie and have it cleared over the new one).
  const signUp = await context.request.post('/api/auth/sign-up/email', {
    headers: { origin: app },
    data: { email: `mcp-${Date.now()}@example.com`, password: 'correct horse battery', name: 'Ada' },
  });
  expect(signUp.status(), await signUp.text()).toBe(200);
  await page.goto('/');
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'live');
  await expect(page.getByTestId('account-menu')).toHaveAttribute('data-account', 'account');

  const callback = await startCallbackServer();
  try {
    const provider = new MemoryOAuthProvider(callback.redirectUrl);
    const mcpUrl = new URL('/api/mcp', app);

    // 1. No token: the SDK reads the 401, discovers, registers, and asks for the user's browser.
    const first = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
    await expect(new Client({ name: 'e2e-oauth', version: '1.0.0' }).connect(first)).rejects.toThrow(
      /unauthorized/i,
    );
    expect(provider.client?.client_id).toBeTruthy();
    const authorizationUrl = provider.authorizationUrl;
    if (!authorizationUrl) throw new Error('the SDK asked for no authorization');
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizationUrl.searchParams.get('resource')).toBe(mcpUrl.href);

    // 2. The user's browser: the consent page names the client and the scope; Allow sends it to the callback.
    const consent = await context.newPage();
    await consent.goto(authorizationUrl.href);
    await expect(consent).toHaveURL(/\/oauth\/consent\?/);
    await expect(consent.getByTestId('consent-client')).toHaveText('E2E MCP client');
    await expect(consent.getByTestId('consent-scopes')).toContainText('mcp:tools');
    await consent.getByRole('button', { name: 'Allow' }).click();
    const code = await callback.code;
    await expect(consent.getByText('Connected: you can close this tab.')).toBeVisible();

    // 3. Code → tokens (PKCE), then the tools as the user; the change reaches the open page live.
    await first.finishAuth(code);
    expect(provider.saved?.access_token).toMatch(/^tao_/);
    const client = new Client({ name: 'e2e-oauth', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toContain('addTodo');
    const result = await client.callTool({ name: 'addTodo', arguments: { text: 'Added over MCP OAuth' } });
    expect(result.isError).toBeFalsy();
    await expect(page.getByTestId('todo-text').filter({ hasText: 'Added over MCP OAuth' })).toHaveCount(1);

    // 4. Revoked on the settings page: the next call is refused with 401.
    await page.goto('/settings');
    const listed = page.getByTestId('mcp-client').filter({ hasText: 'E2E MCP client' });
    await expect(listed).toHaveCount(1);
    await page.getByRole('button', { name: 'Revoke E2E MCP client' }).click();
    await expect(listed).toHaveCount(0);

    const raw = await fetch(mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${provider.saved?.access_token ?? ''}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(raw.status).toBe(401);
    expect(raw.headers.get('www-authenticate')).toContain('error="invalid_token"');
    // The SDK client sees it too (its refresh token went with the grant, so it must ask the user again).
    provider.authorizationUrl = undefined;
    await expect(client.callTool({ name: 'listTodos', arguments: {} })).rejects.toThrow();
    await client.close();
  } finally {
    await callback.close();
  }
});
