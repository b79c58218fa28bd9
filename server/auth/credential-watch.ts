/**
 * Long-lived streams (SSE subscriptions) outlive the request that authenticated them, so they re-check their
 * credential while they run and end when it is gone (docs/architecture.md rule 11): an API token or an MCP client's
 * OAuth grant revoked, a session signed out, revoked from the settings page or expired. A change made in this process ends them at once; one made
 * by another process (PostgreSQL) is seen at the next batch the stream sends, or by a timer, so an idle stream ends
 * too. A session whose guest signed in to an account ends differently (CredentialReplacedError): the tab subscribes
 * again, now as the account.
 */
import 'server-only';
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from '@/framework/server';
import { apiTokens, authSessions, oauthAccessTokens } from '@/db/schema';
import { users } from '@/framework/server/schema';
import { CredentialReplacedError, CredentialRevokedError, type CredentialWatch } from '@/framework/server';

export { CredentialRevokedError, type CredentialWatch } from '@/framework/server';

/** How often, by default, a stream re-checks its credential while it sends nothing (STREAM_TOKEN_RECHECK_MS). */
export const DEFAULT_CREDENTIAL_RECHECK_MS = 5_000;

/** What a request was authenticated with, as far as a stream needs to re-check it. */
export type Credential =
  | { kind: 'session'; sessionId: string; userId: string }
  | { kind: 'token'; tokenId: string }
  /** An OAuth access token of an MCP client (server/auth/mcp-oauth-tokens.ts), by its row's id. */
  | { kind: 'oauth'; accessTokenId: string };

/** The verdict of one check. */
type Status = 'live' | 'revoked' | 'replaced';

/**
 * Listeners of changes made in this process, per database (tests open several databases in one process). On
 * `globalThis`: Next bundles route handlers separately, and a session revoked through /api/auth must reach the
 * streams of /api/trpc, whose copy of this module is another.
 */
const holder = globalThis as typeof globalThis & {
  __starterCredentialListeners?: WeakMap<Db, Map<string, Set<(status: Status) => void>>>;
};
const listenersByDatabase = (holder.__starterCredentialListeners ??= new WeakMap());

function listenersOf(db: Db): Map<string, Set<(status: Status) => void>> {
  let listeners = listenersByDatabase.get(db);
  if (!listeners) {
    listeners = new Map();
    listenersByDatabase.set(db, listeners);
  }
  return listeners;
}

function announce(db: Db, key: string, status: Status): void {
  for (const listener of listenersOf(db).get(key) ?? []) listener(status);
}

/** Ends this process's streams opened with the token at once (revokeApiToken calls this after its commit). */
export function announceTokenRevoked(db: Db, tokenId: string): void {
  announce(db, `token:${tokenId}`, 'revoked');
}

/** Ends this process's streams opened with these OAuth access tokens at once (an MCP client the user revoked). */
export function announceOAuthTokensRevoked(db: Db, accessTokenIds: readonly string[]): void {
  for (const id of accessTokenIds) announce(db, `oauth:${id}`, 'revoked');
}

/** Ends this process's streams of the session at once (signed out or revoked: a Better Auth hook calls this). */
export function announceSessionEnded(db: Db, sessionId: string): void {
  announce(db, `session:${sessionId}`, 'revoked');
}

/** The user's data moved to another (a guest signed in): its streams end so their tabs subscribe again. */
export function announceUserReplaced(db: Db, userId: string): void {
  announce(db, `user:${userId}`, 'replaced');
}

async function tokenStatus(db: Db, tokenId: string): Promise<Status> {
  const [row] = await db
    .select({ id: apiTokens.id })
    .from(apiTokens)
    .where(and(eq(apiTokens.id, tokenId), isNull(apiTokens.revokedAt)));
  return row ? 'live' : 'revoked';
}

async function oauthTokenStatus(db: Db, accessTokenId: string): Promise<Status> {
  // Revoking deletes the row (the settings page) or stamps `revoked` (the plugin's own revocation endpoint).
  const [row] = await db
    .select({ id: oauthAccessTokens.id })
    .from(oauthAccessTokens)
    .where(
      and(
        eq(oauthAccessTokens.id, accessTokenId),
        isNull(oauthAccessTokens.revoked),
        gt(oauthAccessTokens.expiresAt, new Date()),
      ),
    );
  return row ? 'live' : 'revoked';
}

async function sessionStatus(db: Db, sessionId: string, userId: string): Promise<Status> {
  const [row] = await db
    .select({ id: authSessions.id })
    .from(authSessions)
    .where(and(eq(authSessions.id, sessionId), gt(authSessions.expiresAt, new Date())));
  if (row) return 'live';
  // No session. Its user gone from the framework's table means the user was merged into an account (moveUserData
  // deletes it in the move's transaction, before Better Auth deletes the session): the tab follows the account.
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.id, userId));
  return user ? 'revoked' : 'replaced';
}

/**
 * Checks of one session shared for this long by every stream of it (a user's tabs each check before every batch;
 * a thousand tabs must not mean a thousand queries per commit).
 */
const SHARED_CHECK_MS = 1_000;
const recentChecks = new WeakMap<Db, Map<string, { at: number; status: Promise<Status> }>>();

function sharedCheck(db: Db, key: string, check: () => Promise<Status>): Promise<Status> {
  let checks = recentChecks.get(db);
  if (!checks) {
    checks = new Map();
    recentChecks.set(db, checks);
  }
  const now = Date.now();
  const recent = checks.get(key);
  if (recent && now - recent.at < SHARED_CHECK_MS) return recent.status;
  const status = check();
  checks.set(key, { at: now, status });
  // A failed check is not remembered: the next caller asks again.
  status.catch(() => checks.delete(key));
  if (checks.size > 10_000)
    for (const [old, entry] of checks) if (now - entry.at >= SHARED_CHECK_MS) checks.delete(old);
  return status;
}

/**
 * Watches a credential for as long as a stream runs: `recheckMs` is the timer's period (the bound on how long an
 * idle stream outlives a revocation made by another process).
 */
export function watchCredential(db: Db, credential: Credential, recheckMs: number): CredentialWatch {
  const revoking = new AbortController();
  const end = (status: Status) => {
    if (status === 'live' || revoking.signal.aborted) return;
    revoking.abort(status === 'replaced' ? new CredentialReplacedError() : new CredentialRevokedError());
  };
  const keys =
    credential.kind === 'token'
      ? [`token:${credential.tokenId}`]
      : credential.kind === 'oauth'
        ? [`oauth:${credential.accessTokenId}`]
        : [`session:${credential.sessionId}`, `user:${credential.userId}`];
  const listeners = listenersOf(db);
  for (const key of keys) {
    let set = listeners.get(key);
    if (!set) listeners.set(key, (set = new Set()));
    set.add(end);
  }
  const check = (): Promise<Status> =>
    credential.kind === 'token'
      ? tokenStatus(db, credential.tokenId)
      : credential.kind === 'oauth'
        ? oauthTokenStatus(db, credential.accessTokenId)
        : sharedCheck(db, `session:${credential.sessionId}`, () =>
            sessionStatus(db, credential.sessionId, credential.userId),
          );

  // One query at a time: a batch check and the timer share a check in flight.
  let checking: Promise<boolean> | null = null;
  const stillValid = (): Promise<boolean> => {
    if (revoking.signal.aborted) return Promise.resolve(false);
    checking ??= check()
      .then((status) => {
        end(status);
        return status === 'live';
      })
      .finally(() => {
        checking = null;
      });
    return checking;
  };

  const timer = setInterval(() => {
    // A failed check (e.g. the database restarting) is not a revocation: the next one decides.
    stillValid().catch((error: unknown) =>
      console.error('[auth] could not re-check a stream’s credential:', error),
    );
  }, recheckMs);
  timer.unref();

  const close = () => {
    clearInterval(timer);
    for (const key of keys) {
      const set = listeners.get(key);
      set?.delete(end);
      if (set?.size === 0 && listeners.get(key) === set) listeners.delete(key);
    }
  };
  revoking.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  return { revocable: true, revoked: revoking.signal, stillValid, close };
}
