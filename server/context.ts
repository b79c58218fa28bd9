/**
 * What every procedure receives as `ctx`. Built in two layers (the create-t3-app split): an inner, request-free
 * part that tests and server components build directly, and a thin wrapper that reads it off an HTTP request.
 */
import 'server-only';
import { timingSafeEqual } from 'node:crypto';
import type { Db } from '@/framework/server';
import type { Runtime } from '@/framework/server';
import { ensureUser, type SessionUser } from '@/framework/server';
import { bearerToken, findLiveApiToken } from './auth/api-tokens';
import { authFor } from './auth/auth-instance';
import { findLiveOAuthAccessToken } from './auth/mcp-oauth-tokens';
import { takeSessionHandoff } from './auth/session-handoff';
import type { Auth } from './auth/better-auth';
import {
  DEFAULT_CREDENTIAL_RECHECK_MS,
  watchCredential,
  type CredentialWatch,
} from './auth/credential-watch';

export interface Context {
  runtime: Runtime;
  db: Db;
  /** Null when the request carries no valid session (the proxy makes one for browsers on first visit). */
  user: SessionUser | null;
  /** How the user was recognised: a session cookie (a browser) or an API token (a script, an MCP client). */
  auth: 'session' | 'token' | null;
  /** Milliseconds to hold each mutation before running it: tests only, honoured when ALLOW_TEST_DELAY=1. */
  testDelayMs: number;
  /**
   * For long-lived streams: watches the credential this request was authenticated with, so the stream ends when it
   * is revoked (server/auth/credential-watch.ts). The caller closes the watch when its stream ends.
   */
  watchCredential(): CredentialWatch;
}

/** What a context is built from besides the request: injected so tests can use their own database. */
export interface ContextDeps {
  runtime: Runtime;
  /** SESSION_SECRET: Better Auth's secret, and the key of the copilot's approval signatures. */
  sessionSecret: string;
  /** Better Auth over `runtime` (the process's, from its environment); unset: one with default options (tests). */
  auth?: Auth;
  allowTestDelay?: boolean;
  /** Origins besides each request's own whose cookie-authenticated requests may change state (CSRF check). */
  trustedOrigins?: readonly string[];
  /** When set, a delay is honoured only for requests that carry it in {@link TEST_DELAY_TOKEN_HEADER}. */
  testDelayToken?: string | null;
  /** How often a stream opened with an API token re-checks it while idle (STREAM_TOKEN_RECHECK_MS). */
  credentialRecheckMs?: number;
}

/** Header that asks for a server-side delay of every mutation in this request (tests only). */
export const TEST_DELAY_HEADER = 'x-test-delay-ms';

/** Header carrying TEST_DELAY_TOKEN, without which a delay is refused when that token is configured. */
export const TEST_DELAY_TOKEN_HEADER = 'x-test-delay-token';

const UNWATCHED: CredentialWatch = {
  revocable: false,
  revoked: new AbortController().signal,
  stillValid: () => Promise.resolve(true),
  close() {},
};

/** The request-free context: tests pass their own runtime and any user. */
export function createInnerContext(options: {
  runtime: Runtime;
  user: SessionUser | null;
  auth?: Context['auth'];
  /** The API token's id, when `auth` is 'token': streams re-check it. */
  tokenId?: string;
  /** The Better Auth session's id, when `auth` is 'session': streams re-check it. */
  sessionId?: string;
  /** The OAuth access token's row id, when `auth` is 'token' and an MCP client's grant: streams re-check it. */
  oauthAccessTokenId?: string;
  credentialRecheckMs?: number;
  testDelayMs?: number;
}): Context {
  const { runtime, tokenId, sessionId, oauthAccessTokenId, user } = options;
  const recheckMs = options.credentialRecheckMs ?? DEFAULT_CREDENTIAL_RECHECK_MS;
  const auth = options.user ? (options.auth ?? 'session') : null;
  return {
    runtime,
    db: runtime.db,
    user: options.user,
    auth,
    testDelayMs: options.testDelayMs ?? 0,
    watchCredential: () => {
      if (auth === 'token' && tokenId)
        return watchCredential(runtime.db, { kind: 'token', tokenId }, recheckMs);
      if (auth === 'token' && oauthAccessTokenId)
        return watchCredential(runtime.db, { kind: 'oauth', accessTokenId: oauthAccessTokenId }, recheckMs);
      if (user && sessionId)
        return watchCredential(runtime.db, { kind: 'session', sessionId, userId: user.id }, recheckMs);
      return UNWATCHED; // Built by a test or a server render with a user and nothing to re-check.
    },
  };
}

/**
 * Resolves `Authorization: Bearer <token>` to the token's user; null for an unknown or revoked token. A request
 * that sends the header is judged by it alone (a cookie beside it does not count), so a revoked token is refused.
 */
export async function contextFromBearerToken(token: string, deps: ContextDeps): Promise<Context> {
  const owner = token ? await findLiveApiToken(deps.runtime.db, token) : null;
  const user = owner ? await ensureUser(deps.runtime, owner.userId) : null;
  return createInnerContext({
    runtime: deps.runtime,
    user,
    auth: 'token',
    tokenId: owner?.tokenId,
    credentialRecheckMs: deps.credentialRecheckMs,
  });
}

/**
 * Resolves an MCP client's OAuth access token to the user who granted it; null user for a token that is unknown,
 * revoked, expired, or not for `resource` (server/auth/mcp-oauth-tokens.ts). Only the MCP endpoint accepts these.
 */
export async function contextFromOAuthAccessToken(
  token: string,
  resource: string,
  deps: ContextDeps,
): Promise<Context> {
  const grant = await findLiveOAuthAccessToken(deps.runtime.db, token, resource);
  const user = grant ? await ensureUser(deps.runtime, grant.userId, { kind: 'account' }) : null;
  return createInnerContext({
    runtime: deps.runtime,
    user,
    auth: 'token',
    oauthAccessTokenId: grant?.tokenId,
    credentialRecheckMs: deps.credentialRecheckMs,
  });
}

/** The Better Auth instance the deps name, or the default one over their runtime. */
export function authOf(deps: Pick<ContextDeps, 'runtime' | 'sessionSecret' | 'auth'>): Auth {
  return deps.auth ?? authFor(deps.runtime, deps.sessionSecret);
}

/**
 * Resolves the Better Auth session of a request's cookies to a user (making the framework's user row on first
 * sight). Read from the database every time, not a signed cookie cache: a revoked session is refused at once.
 */
export async function contextFromSession(headers: Headers, deps: ContextDeps): Promise<Context> {
  const auth = authOf(deps);
  // The proxy's read of this very request, if it made one (server/auth/session-handoff.ts); else the database.
  const found =
    takeSessionHandoff<Awaited<ReturnType<typeof auth.api.getSession>>>(headers) ??
    (await auth.api.getSession({ headers, query: { disableCookieCache: true } }));
  if (!found) return createInnerContext({ runtime: deps.runtime, user: null });
  // The anonymous plugin's field (its type does not reach getSession's through the options object).
  const kind = (found.user as { isAnonymous?: boolean | null }).isAnonymous ? 'anonymous' : 'account';
  const user = await ensureUser(deps.runtime, found.user.id, { kind, seed: kind === 'anonymous' });
  return createInnerContext({
    runtime: deps.runtime,
    user,
    sessionId: found.session.id,
    credentialRecheckMs: deps.credentialRecheckMs,
  });
}

/** The context for an HTTP request (the tRPC route handler). */
export async function createRequestContext(request: Request, deps: ContextDeps): Promise<Context> {
  const token = bearerToken(request.headers.get('authorization'));
  const context =
    token !== undefined
      ? await contextFromBearerToken(token, deps)
      : await contextFromSession(request.headers, deps);
  const delay = testDelayAllowed(request, deps) ? Number(request.headers.get(TEST_DELAY_HEADER) ?? 0) : 0;
  return { ...context, testDelayMs: Number.isFinite(delay) ? Math.min(Math.max(delay, 0), 10_000) : 0 };
}

function testDelayAllowed(request: Request, deps: ContextDeps): boolean {
  if (!deps.allowTestDelay) return false;
  if (!deps.testDelayToken) return true;
  const sent = Buffer.from(request.headers.get(TEST_DELAY_TOKEN_HEADER) ?? '');
  const expected = Buffer.from(deps.testDelayToken);
  return sent.length === expected.length && timingSafeEqual(sent, expected);
}
