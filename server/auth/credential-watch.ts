/**
 * Long-lived streams (SSE subscriptions) outlive the request that authenticated them, so they re-check their
 * credential while they run and end when it is gone (docs/architecture.md rule 11). A revocation in this process
 * ends them at once; one made by another process (PostgreSQL) is seen at the next batch the stream sends, or by a
 * timer, so an idle stream ends too.
 */
import 'server-only';
import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '@/framework/server';
import { apiTokens } from '@/db/schema';
import type { CredentialWatch } from '@/framework/server';

export { CredentialRevokedError, type CredentialWatch } from '@/framework/server';

/** How often, by default, a stream re-checks its token while it sends nothing (STREAM_TOKEN_RECHECK_MS). */
export const DEFAULT_CREDENTIAL_RECHECK_MS = 5_000;

/** What a request was authenticated with, as far as a stream needs to re-check it. */
export type Credential = { kind: 'session' } | { kind: 'token'; tokenId: string };

/** Listeners of revocations made in this process, per database (tests open several databases in one process). */
const listenersByDatabase = new WeakMap<Db, Map<string, Set<() => void>>>();

function listenersOf(db: Db): Map<string, Set<() => void>> {
  let listeners = listenersByDatabase.get(db);
  if (!listeners) {
    listeners = new Map();
    listenersByDatabase.set(db, listeners);
  }
  return listeners;
}

/** Ends this process's streams opened with the token at once (revokeApiToken calls this after its commit). */
export function announceTokenRevoked(db: Db, tokenId: string): void {
  for (const listener of listenersOf(db).get(tokenId) ?? []) listener();
}

async function isApiTokenLive(db: Db, tokenId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: apiTokens.id })
    .from(apiTokens)
    .where(and(eq(apiTokens.id, tokenId), isNull(apiTokens.revokedAt)));
  return row !== undefined;
}

const NEVER_REVOKED: CredentialWatch = {
  revocable: false,
  revoked: new AbortController().signal,
  stillValid: () => Promise.resolve(true),
  close() {},
};

/**
 * Watches a credential for as long as a stream runs: `recheckMs` is the timer's period (the bound on how long an
 * idle stream outlives a revocation made by another process).
 */
export function watchCredential(db: Db, credential: Credential, recheckMs: number): CredentialWatch {
  if (credential.kind === 'session') return NEVER_REVOKED;
  const { tokenId } = credential;
  const revoking = new AbortController();
  const revoke = () => revoking.abort();
  const listeners = listenersOf(db);
  let mine = listeners.get(tokenId);
  if (!mine) {
    mine = new Set();
    listeners.set(tokenId, mine);
  }
  mine.add(revoke);

  // One query at a time: a batch check and the timer share a check in flight.
  let checking: Promise<boolean> | null = null;
  const stillValid = (): Promise<boolean> => {
    if (revoking.signal.aborted) return Promise.resolve(false);
    checking ??= isApiTokenLive(db, tokenId)
      .then((live) => {
        if (!live) revoke();
        return live;
      })
      .finally(() => {
        checking = null;
      });
    return checking;
  };

  const timer = setInterval(() => {
    // A failed check (e.g. the database restarting) is not a revocation: the next one decides.
    stillValid().catch((error: unknown) =>
      console.error('[auth] could not re-check a stream’s API token:', error),
    );
  }, recheckMs);
  timer.unref();

  const close = () => {
    clearInterval(timer);
    mine.delete(revoke);
    if (mine.size === 0 && listeners.get(tokenId) === mine) listeners.delete(tokenId);
  };
  revoking.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  return { revocable: true, revoked: revoking.signal, stillValid, close };
}
