/**
 * OAuth for MCP (issue 14), over HTTP against the real route handlers (/api/auth/*, /.well-known/*, /api/mcp) and a
 * test runtime: discovery metadata, dynamic client registration, authorization code + PKCE (S256 only), consent,
 * tokens bound to /api/mcp, and revocation from the settings page's procedure (the next call gets 401, an open
 * credential watch ends).
 */
import { createHash, randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { oauthAccessTokens, oauthConsents, todos } from '@/db/schema';
import { PEER_ADDRESS_HEADER } from '@/framework/server';
import { authFor } from '@/server/auth/auth-instance';
import { watchCredential } from '@/server/auth/credential-watch';
import { createInnerContext, type ContextDeps } from '@/server/context';
import { handleAuthRequestWith } from '@/server/http/auth';
import {
  handleAuthServerMetadataWith,
  handleProtectedResourceMetadataWith,
} from '@/server/http/mcp-oauth-metadata';
import { handleMcp } from '@/server/mcp/mcp-handler';
import { createCaller } from '@/server/routers/_app';
import { createApiToken } from '@/server/auth/api-tokens';
import { newSession, SESSION_COOKIE } from './helpers/auth';
import { TEST_SECRET } from './helpers/chat';
import { createTestRuntime } from './helpers/test-database';

/** Without BETTER_AUTH_URL the MCP resource is on http://localhost:3000 (server/auth/mcp-oauth.ts). */
const APP = 'http://localhost:3000';
const RESOURCE = `${APP}/api/mcp`;
const REDIRECT_URI = 'http://127.0.0.1:53682/callback';
const PASSWORD = 'correct horse battery';

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
let deps: ContextDeps;

beforeAll(async () => {
  runtime = await createTestRuntime();
  deps = { runtime, sessionSecret: TEST_SECRET, credentialRecheckMs: 60_000 };
});
afterAll(() => runtime?.close());

const auth = () => authFor(runtime, TEST_SECRET);

/** Each test's requests come from an address of their own (Better Auth's rate limits count per address). */
let address = '';
beforeEach(() => {
  address = `203.0.113.${(Number(address.split('.')[3] ?? 0) + 1) % 250}`;
});

function authRequest(path: string, init: RequestInit & { cookie?: string } = {}) {
  const headers = new Headers(init.headers);
  headers.set(PEER_ADDRESS_HEADER, address);
  if (init.cookie) headers.set('cookie', init.cookie);
  return handleAuthRequestWith(new Request(`${APP}/api/auth/${path}`, { ...init, headers }), auth());
}

/** A program's POST (an MCP client): JSON or a form, no Origin, no cookie. */
function programPost(path: string, body: Record<string, string> | object, form = false) {
  return authRequest(path, {
    method: 'POST',
    headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
    body: form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body),
  });
}

function mcp(token: string | null, body: unknown = { jsonrpc: '2.0', id: 1, method: 'tools/list' }) {
  return handleMcp(
    new Request(RESOURCE, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify(body),
    }),
    deps,
  );
}

async function signUp(): Promise<{ cookie: string; userId: string }> {
  const response = await authRequest('sign-up/email', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: APP },
    body: JSON.stringify({
      email: `mcp-${crypto.randomUUID()}@example.com`,
      password: PASSWORD,
      name: 'Ada',
    }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  const line = response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`));
  if (!line) throw new Error('sign-up set no session cookie');
  return {
    cookie: line.split(';')[0] ?? '',
    userId: ((await response.json()) as { user: { id: string } }).user.id,
  };
}

async function register(metadata: Record<string, unknown> = {}): Promise<string> {
  const response = await programPost('oauth2/register', {
    client_name: 'Test MCP client',
    redirect_uris: [REDIRECT_URI],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    ...metadata,
  });
  expect(response.status, await response.clone().text()).toBeLessThan(300);
  return ((await response.json()) as { client_id: string }).client_id;
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** GET /oauth2/authorize as the browser of `cookie`; returns the Location it redirects to. */
async function authorize(cookie: string, params: Record<string, string>): Promise<URL> {
  const query = new URLSearchParams({
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'mcp:tools',
    state: 'state-1',
    resource: RESOURCE,
    ...params,
  });
  for (const [key, value] of Object.entries(params)) if (value === '') query.delete(key);
  const response = await authRequest(`oauth2/authorize?${query}`, { cookie });
  const location = response.headers.get('location');
  expect(location, `${response.status} ${await response.clone().text()}`).toBeTruthy();
  return new URL(location ?? '', APP);
}

/** The consent page's Allow (or Deny): Better Auth answers with where the browser goes next. */
async function consent(cookie: string, consentUrl: URL, accept = true) {
  return authRequest('oauth2/consent', {
    method: 'POST',
    cookie,
    headers: { 'content-type': 'application/json', origin: APP },
    body: JSON.stringify({ accept, oauth_query: consentUrl.search.slice(1) }),
  });
}

/** Authorize (+ consent, the first time): the code the client's redirect URI receives. */
async function codeFor(
  cookie: string,
  clientId: string,
  challenge: string,
  extra: Record<string, string> = {},
) {
  const consentUrl = await authorize(cookie, {
    client_id: clientId,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  });
  let redirect = consentUrl;
  // Once the user allowed the client, its later requests skip the consent page.
  if (consentUrl.pathname === '/oauth/consent') {
    const response = await consent(cookie, consentUrl);
    expect(response.status, await response.clone().text()).toBe(200);
    redirect = new URL(((await response.json()) as { url: string }).url);
  }
  expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT_URI);
  expect(redirect.searchParams.get('state')).toBe('state-1');
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error(`no code in ${redirect.href}`);
  return code;
}

function exchange(clientId: string, code: string, verifier: string, resource = RESOURCE) {
  return programPost(
    'oauth2/token',
    {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      client_id: clientId,
      code_verifier: verifier,
      resource,
    },
    true,
  );
}

/** The whole flow for a new account: its access token, client id and user. */
async function connectedClient() {
  const { cookie, userId } = await signUp();
  const clientId = await register();
  const { verifier, challenge } = pkce();
  const code = await codeFor(cookie, clientId, challenge);
  const response = await exchange(clientId, code, verifier);
  expect(response.status, await response.clone().text()).toBe(200);
  const tokens = (await response.json()) as { access_token: string; token_type: string };
  return { cookie, userId, clientId, accessToken: tokens.access_token, tokens };
}

describe('discovery', () => {
  it('/api/mcp without a token: 401 pointing at the protected-resource metadata', async () => {
    const response = await mcp(null);
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain(`resource_metadata="${APP}/.well-known/oauth-protected-resource/api/mcp"`);
    expect(challenge).toContain('scope="mcp:tools"');
    expect(challenge).not.toContain('invalid_token');
  });

  it('serves protected-resource metadata at the root and with the resource path', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/api/mcp',
    ]) {
      const response = handleProtectedResourceMetadataWith(new Request(`${APP}${path}`), deps);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        resource: RESOURCE,
        authorization_servers: [`${APP}/api/auth`],
        scopes_supported: ['mcp:tools'],
      });
    }
    const other = handleProtectedResourceMetadataWith(
      new Request(`${APP}/.well-known/oauth-protected-resource/api/trpc`),
      deps,
    );
    expect(other.status).toBe(404);
  });

  it('serves authorization-server metadata: registration, PKCE S256 only, code flow', async () => {
    for (const path of [
      '/.well-known/oauth-authorization-server',
      '/.well-known/oauth-authorization-server/api/auth',
    ]) {
      const response = await handleAuthServerMetadataWith(new Request(`${APP}${path}`), deps);
      expect(response.status).toBe(200);
      const metadata = (await response.json()) as Record<string, unknown>;
      expect(metadata).toMatchObject({
        issuer: `${APP}/api/auth`,
        authorization_endpoint: `${APP}/api/auth/oauth2/authorize`,
        token_endpoint: `${APP}/api/auth/oauth2/token`,
        registration_endpoint: `${APP}/api/auth/oauth2/register`,
        code_challenge_methods_supported: ['S256'],
        response_types_supported: ['code'],
      });
      expect(metadata.grant_types_supported).not.toContain('client_credentials');
    }
  });
});

describe('the authorization code flow', () => {
  it('registers a client, asks consent, and gives a token /api/mcp accepts as the user', async () => {
    const { accessToken, userId, tokens } = await connectedClient();
    expect(accessToken.startsWith('tao_')).toBe(true);
    expect(tokens.token_type.toLowerCase()).toBe('bearer');

    const list = await mcp(accessToken);
    expect(list.status, await list.clone().text()).toBe(200);
    const listed = (await list.json()) as { result: { tools: { name: string }[] } };
    expect(listed.result.tools.map((tool) => tool.name)).toContain('addTodo');

    const call = await mcp(accessToken, {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'addTodo', arguments: { text: 'Added over OAuth' } },
    });
    expect(call.status).toBe(200);
    const { result } = (await call.json()) as { result: { structuredContent: { id: string } } };
    const [row] = await runtime.db.select().from(todos).where(eq(todos.id, result.structuredContent.id));
    expect(row).toMatchObject({ text: 'Added over OAuth', ownerId: userId });
  });

  it('refuses an authorization request without a code challenge, or with the plain method', async () => {
    const { cookie } = await signUp();
    const clientId = await register();
    for (const params of [
      { client_id: clientId } as Record<string, string>,
      { client_id: clientId, code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' },
    ]) {
      const location = await authorize(cookie, params);
      expect(location.pathname).not.toBe('/oauth/consent');
      expect(location.searchParams.get('error')).toBeTruthy();
    }
  });

  it('refuses a wrong verifier (and burns the code), and a code used twice', async () => {
    const { cookie } = await signUp();
    const clientId = await register();
    const { verifier, challenge } = pkce();
    const code = await codeFor(cookie, clientId, challenge);
    const wrong = await exchange(clientId, code, pkce().verifier);
    // Better Auth answers 401 invalid_request "code verification failed" (RFC 6749 would say 400 invalid_grant).
    expect(wrong.status).toBeGreaterThanOrEqual(400);
    expect(wrong.status).toBeLessThan(500);
    expect(await wrong.json()).not.toHaveProperty('access_token');
    // The code does not survive the failed attempt: an attacker cannot guess verifiers against it.
    const after = await exchange(clientId, code, verifier);
    expect(after.status).toBe(400);
    expect(await after.json()).not.toHaveProperty('access_token');

    const code2 = await codeFor(cookie, clientId, challenge);
    const first = await exchange(clientId, code2, verifier);
    expect(first.status, await first.clone().text()).toBe(200);
    const replay = await exchange(clientId, code2, verifier);
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('refuses a token for another resource, at the token endpoint and at /api/mcp', async () => {
    const { cookie } = await signUp();
    const clientId = await register();
    const { verifier, challenge } = pkce();
    const elsewhere = 'https://other.example/api/mcp';
    const location = await authorize(cookie, {
      client_id: clientId,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      resource: elsewhere,
    });
    expect(location.searchParams.get('error')).toBe('invalid_target');

    // A token asked for no resource at all has no audience: not one /api/mcp accepts.
    const code = await codeFor(cookie, clientId, challenge, { resource: '' });
    const response = await programPost(
      'oauth2/token',
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        client_id: clientId,
        code_verifier: verifier,
      },
      true,
    );
    expect(response.status, await response.clone().text()).toBe(200);
    const { access_token } = (await response.json()) as { access_token: string };
    const refused = await mcp(access_token);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('a guest cannot consent: asked to sign in first, and a hand-made Allow is refused', async () => {
    const guest = await newSession(runtime, TEST_SECRET);
    const clientId = await register();
    const { challenge } = pkce();
    const consentUrl = await authorize(guest.cookie, {
      client_id: clientId,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    expect(consentUrl.pathname).toBe('/oauth/consent');
    const info = await createCaller(
      createInnerContext({
        runtime,
        user: { id: guest.userId, kind: 'anonymous' },
        sessionId: guest.sessionId,
      }),
    ).mcpClients.consentInfo({ clientId, scope: 'mcp:tools' });
    expect(info).toMatchObject({ guest: true, client: { name: 'Test MCP client' } });

    const response = await consent(guest.cookie, consentUrl);
    expect(response.status).toBe(403);
    const consents = await runtime.db
      .select()
      .from(oauthConsents)
      .where(eq(oauthConsents.clientId, clientId));
    expect(consents).toEqual([]);
  });

  it('registration: a loopback or custom-scheme redirect is a native app; others need https; no machine grants', async () => {
    expect(await register({ redirect_uris: ['com.example.mcp-client:/oauth/callback'] })).toBeTruthy();
    for (const metadata of [
      { redirect_uris: ['http://evil.example/callback'] },
      { redirect_uris: [] },
      { grant_types: ['client_credentials'] },
    ]) {
      const response = await programPost('oauth2/register', {
        client_name: 'Bad',
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: 'none',
        ...metadata,
      });
      expect(response.status, JSON.stringify(metadata)).toBe(400);
    }
  });

  it('an Allow sent from another site is refused and records nothing', async () => {
    const { cookie } = await signUp();
    const clientId = await register();
    const consentUrl = await authorize(cookie, {
      client_id: clientId,
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
    });
    const response = await authRequest('oauth2/consent', {
      method: 'POST',
      cookie,
      headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
      body: JSON.stringify({ accept: true, oauth_query: consentUrl.search.slice(1) }),
    });
    expect(response.status).toBe(403);
    expect(await runtime.db.select().from(oauthConsents).where(eq(oauthConsents.clientId, clientId))).toEqual(
      [],
    );
  });

  it('Deny sends the client back with access_denied and no code', async () => {
    const { cookie } = await signUp();
    const clientId = await register();
    const consentUrl = await authorize(cookie, {
      client_id: clientId,
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
    });
    const response = await consent(cookie, consentUrl, false);
    const redirect = new URL(((await response.json()) as { url: string }).url);
    expect(redirect.searchParams.get('error')).toBe('access_denied');
    expect(redirect.searchParams.get('code')).toBeNull();
  });
});

describe('revocation', () => {
  it('a revoked grant: the next call gets 401, an open watch ends, the client is no longer listed', async () => {
    const { accessToken, userId, clientId, cookie } = await connectedClient();
    expect((await mcp(accessToken)).status).toBe(200);
    const [row] = await runtime.db
      .select({ id: oauthAccessTokens.id })
      .from(oauthAccessTokens)
      .where(eq(oauthAccessTokens.userId, userId));
    if (!row) throw new Error('no access token row');
    const watch = watchCredential(runtime.db, { kind: 'oauth', accessTokenId: row.id }, 60_000);
    expect(await watch.stillValid()).toBe(true);

    const session = await authFor(runtime, TEST_SECRET).api.getSession({ headers: new Headers({ cookie }) });
    const caller = createCaller(
      createInnerContext({ runtime, user: { id: userId, kind: 'account' }, sessionId: session?.session.id }),
    );
    expect((await caller.mcpClients.list()).map((client) => client.clientId)).toEqual([clientId]);
    await caller.mcpClients.revoke({ clientId });

    expect(watch.revoked.aborted).toBe(true);
    watch.close();
    const refused = await mcp(accessToken);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(await caller.mcpClients.list()).toEqual([]);
    await expect(caller.mcpClients.revoke({ clientId })).rejects.toThrow('No such connected MCP client');
    // The consent went too: the client has to ask the user again.
    const again = await authorize(cookie, {
      client_id: clientId,
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
    });
    expect(again.pathname).toBe('/oauth/consent');
  });

  it('one user cannot revoke (or see) another user’s client', async () => {
    const { accessToken, clientId } = await connectedClient();
    const other = await signUp();
    const session = await authFor(runtime, TEST_SECRET).api.getSession({
      headers: new Headers({ cookie: other.cookie }),
    });
    const caller = createCaller(
      createInnerContext({
        runtime,
        user: { id: other.userId, kind: 'account' },
        sessionId: session?.session.id,
      }),
    );
    expect(await caller.mcpClients.list()).toEqual([]);
    await expect(caller.mcpClients.revoke({ clientId })).rejects.toThrow('No such connected MCP client');
    expect((await mcp(accessToken)).status).toBe(200);
  });

  it('API tokens keep working beside OAuth; a made-up OAuth-shaped token is refused', async () => {
    const { userId } = await signUp();
    const { token } = await createApiToken(runtime.db, userId, 'script');
    expect((await mcp(token)).status).toBe(200);
    expect((await mcp(`tao_${randomBytes(24).toString('base64url')}`)).status).toBe(401);
  });
});
