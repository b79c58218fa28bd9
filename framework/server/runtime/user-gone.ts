/**
 * A mutation whose user was deleted after its request's session was read: a guest that signed up or in from another
 * tab a moment earlier (move-user-data.ts deletes the guest), or an account deleted meanwhile. Its writes then break
 * a foreign key to `users`. That is not a server fault: the caller is told UNAUTHORIZED with nothing consumed
 * (a browser's store sends it again once it has the account's cookie), not a 500 that would consume the mutation
 * id, be logged as a bug, and roll the user's change back.
 */
import 'server-only';
import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import { users } from '../schema';
import type { Queryable } from './synced-table';

/** PostgreSQL's foreign_key_violation. */
const FOREIGN_KEY_VIOLATION = '23503';

export class UserGoneError extends TRPCError {
  constructor() {
    super({
      code: 'UNAUTHORIZED',
      message: 'This user no longer exists (it signed in to an account, or was deleted): sign in again.',
    });
  }
}

/** Whether `error` (or an error it wraps, as drizzle's DrizzleQueryError does) is a foreign key violation. */
function isForeignKeyViolation(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; depth++) {
    if ((cause as { code?: unknown }).code === FOREIGN_KEY_VIOLATION) return true;
    cause = cause.cause;
  }
  return false;
}

/**
 * A {@link UserGoneError} when `error` is a foreign key violation and `userId` has no row in `users` (read with
 * `db`, outside any failed transaction); otherwise null, and `error` stands.
 */
export async function userGoneError(
  db: Queryable,
  userId: string,
  error: unknown,
): Promise<UserGoneError | null> {
  if (error instanceof UserGoneError) return error;
  if (!isForeignKeyViolation(error)) return null;
  const [row] = await db.select({ id: users.id }).from(users).where(eq(users.id, userId)).limit(1);
  return row ? null : new UserGoneError();
}
