/**
 * What every procedure receives as `ctx`. Built in two layers (the create-t3-app split): an inner, request-free
 * part that tests and server components build directly, and a thin wrapper that reads it off an HTTP request.
 */
import 'server-only';
import type { Db } from '@/db/open';
import { getDb } from './db';
import { getEnv } from './env';
import { readCookie, SESSION_COOKIE, verifySession } from './session';
import { ensureUser, type SessionUser } from './users';

export interface Context {
  db: Db;
  /** Null when the request carries no valid session (the proxy makes one for browsers on first visit). */
  user: SessionUser | null;
}

/** The request-free context: tests pass an in-memory database and any user. */
export function createInnerContext(options: { db: Db; user: SessionUser | null }): Context {
  return { db: options.db, user: options.user };
}

/** Resolves the session cookie value to a user (creating the user on first sight). */
export async function contextFromSessionCookie(cookie: string | undefined): Promise<Context> {
  const db = await getDb();
  const session = await verifySession(cookie, getEnv().SESSION_SECRET);
  const user = session ? await ensureUser(db, session.userId) : null;
  return createInnerContext({ db, user });
}

/** The context for an HTTP request (the tRPC route handler). */
export function createRequestContext(request: Request): Promise<Context> {
  return contextFromSessionCookie(readCookie(request.headers.get('cookie'), SESSION_COOKIE));
}
