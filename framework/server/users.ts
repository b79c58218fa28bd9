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
  /** `anonymous`: a guest (made on first visit); `account`: someone who signed up. */
  kind: 'anonymous' | 'account';
}

/** How {@link ensureUser} treats a user it has not seen yet. */
export interface EnsureUserOptions {
  /** What the returned user is (the app's authentication knows); default `anonymous`. */
  kind?: SessionUser['kind'];
  /**
   * Whether a new user gets the app's starting rows (`onNewUser`); default true. False for an account that signed
   * up from a guest: the guest's rows move to it instead (moveUserData), welcome rows would be duplicates.
   */
  seed?: boolean;
}

/**
 * Users already known to exist, per database (tests open several in one process); saves one query per request.
 * Bounded to stay small.
 */
const knownByDatabase = new WeakMap<Db, Set<string>>();
const KNOWN_LIMIT = 10_000;

/** Makes sure the user row exists (creating and seeding it on first sight) and returns the user. */
export async function ensureUser(
  runtime: Pick<Runtime, 'db' | 'app'>,
  userId: string,
  options: EnsureUserOptions = {},
): Promise<SessionUser> {
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
      if (inserted.length > 0 && options.seed !== false) await runtime.app.onNewUser?.(tx, userId);
    });
    if (known.size >= KNOWN_LIMIT) known.clear();
    known.add(userId);
  }
  return { id: userId, kind: options.kind ?? 'anonymous' };
}

/** Forgets that a user exists (its row was deleted, e.g. merged into an account), so a later sight re-creates it. */
export function forgetUser(db: Db, userId: string): void {
  knownByDatabase.get(db)?.delete(userId);
}
