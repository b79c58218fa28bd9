/**
 * What every procedure receives as `ctx`. Built in two layers (the create-t3-app split): an inner, request-free
 * part that tests and server components build directly, and a thin wrapper that reads it off an HTTP request.
 */
import 'server-only';
import type { Db } from '@/db/open';
import { readCookie, SESSION_COOKIE, verifySession } from './session';
import { ensureUser, type SessionUser } from './users';

export interface Context {
  db: Db;
  /** Null when the request carries no valid session (the proxy makes one for browsers on first visit). */
  user: SessionUser | null;
}

/** What a context is built from besides the request: injected so tests can use their own database. */
export interface ContextDeps {
  db: Db;
  sessionSecret: string;
}

/** The request-free context: tests pass an in-memory database and any user. */
export function createInnerContext(options: { db: Db; user: SessionUser | null }): Context {
  return { db: options.db, user: options.user };
}

/** Resolves a session cookie value to a user (creating the user on first sight). */
export async function contextFromSessionCookie(
  cookie: string | undefined,
  deps: ContextDeps,
): Promise<Context> {
  const session = await verifySession(cookie, deps.sessionSecret);
  const user = session ? await ensureUser(deps.db, session.userId) : null;
  return createInnerContext({ db: deps.db, user });
}

/** The context for an HTTP request (the tRPC route handler). */
export function createRequestContext(request: Request, deps: ContextDeps): Promise<Context> {
  return contextFromSessionCookie(readCookie(request.headers.get('cookie'), SESSION_COOKIE), deps);
}
