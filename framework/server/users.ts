/**
 * Users appear the first time their session is seen. A new user gets the app's starting rows (its `onNewUser`) in
 * the same transaction, so a fresh visitor never sees an empty, half-seeded list.
 */
import 'server-only';
import type { Db } from './db/open';
import { users } from './schema';
import type { Runtime } from './runtime/runtime';

/** The signed-in user as procedures see it. */
export interface SessionUser {
  id: string;
  kind: 'anonymous';
}

/**
 * Users already known to exist, per database (tests open several in one process); saves one query per request.
 * Bounded to stay small.
 */
const knownByDatabase = new WeakMap<Db, Set<string>>();
const KNOWN_LIMIT = 10_000;

/** Makes sure the user row exists (creating and seeding it on first sight) and returns the user. */
export async function ensureUser(runtime: Pick<Runtime, 'db' | 'app'>, userId: string): Promise<SessionUser> {
  const { db } = runtime;
  let known = knownByDatabase.get(db);
  if (!known) {
    known = new Set();
    knownByDatabase.set(db, known);
  }
  if (!known.has(userId)) {
    await db.transaction(async (tx) => {
      const inserted = await tx
        .insert(users)
        .values({ id: userId })
        .onConflictDoNothing()
        .returning({ id: users.id });
      if (inserted.length > 0) await runtime.app.onNewUser?.(tx, userId);
    });
    if (known.size >= KNOWN_LIMIT) known.clear();
    known.add(userId);
  }
  return { id: userId, kind: 'anonymous' };
}
