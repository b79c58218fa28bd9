/**
 * API tokens: made and revoked by a signed-in user (the settings page), used by scripts and MCP clients as
 * `Authorization: Bearer <token>`. Only a hash is stored; the token is shown once.
 */
import 'server-only';
import { createHash, randomBytes } from 'node:crypto';
import { and, count, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '@/framework/server';
import { apiTokens } from '@/db/schema';
import { users } from '@/framework/server/schema';
import { announceTokenRevoked } from './credential-watch';

/** Tokens start with this, so a leaked one is recognisable (secret scanners, logs). */
export const TOKEN_PREFIX = 'tas_';
/** How many characters of a token the list shows. */
const SHOWN_CHARS = TOKEN_PREFIX.length + 6;
/** `lastUsedAt` is refreshed at most this often per token: not one write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export interface ApiTokenSummary {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** Thrown by {@link createApiToken} when the user already has `maxLive` live tokens. */
export class TokenLimitError extends Error {
  constructor(readonly maxLive: number) {
    super(`At most ${maxLive} live tokens: revoke one first`);
    this.name = 'TokenLimitError';
  }
}

/**
 * Makes a token; the returned `token` is the only time its value is available. With `maxLive`, refuses (with a
 * {@link TokenLimitError}) when the user already has that many live tokens. The count and the insert run in one
 * transaction holding the user's row lock, so concurrent creates for one user queue behind each other and the limit
 * holds exactly (a count outside the lock let 40 concurrent creates leave 22 tokens under a limit of 20).
 */
export async function createApiToken(
  db: Db,
  userId: string,
  name: string,
  options: { maxLive?: number } = {},
): Promise<ApiTokenSummary & { token: string }> {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const row = await db.transaction(async (tx) => {
    if (options.maxLive !== undefined) {
      await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update');
      const [live] = await tx
        .select({ n: count() })
        .from(apiTokens)
        .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)));
      if ((live?.n ?? 0) >= options.maxLive) throw new TokenLimitError(options.maxLive);
    }
    const [inserted] = await tx
      .insert(apiTokens)
      .values({
        id: crypto.randomUUID(),
        userId,
        name,
        tokenHash: hashToken(token),
        prefix: token.slice(0, SHOWN_CHARS),
      })
      .returning();
    return inserted;
  });
  if (!row) throw new Error('The token was not saved');
  return { ...summary(row), token };
}

function summary(row: typeof apiTokens.$inferSelect): ApiTokenSummary {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
  };
}

/** The user's tokens, newest first (revoked ones included, marked). */
export async function listApiTokens(db: Db, userId: string): Promise<ApiTokenSummary[]> {
  const rows = await db
    .select()
    .from(apiTokens)
    .where(eq(apiTokens.userId, userId))
    .orderBy(desc(apiTokens.createdAt));
  return rows.map(summary);
}

/**
 * Revokes one of the user's tokens; false when the user has no such live token. Streams this process opened with the
 * token end at once; other processes' streams see it at their next re-check (server/auth/credential-watch.ts).
 */
export async function revokeApiToken(db: Db, userId: string, id: string): Promise<boolean> {
  const revoked = await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.id, id), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  if (revoked.length === 0) return false;
  announceTokenRevoked(db, id);
  return true;
}

/** The user a live token belongs to, or null for an unknown or revoked token. */
export async function userForApiToken(db: Db, token: string): Promise<{ id: string } | null> {
  const found = await findLiveApiToken(db, token);
  return found && { id: found.userId };
}

/** A live token's id and user (streams re-check the token by its id), or null for an unknown or revoked token. */
export async function findLiveApiToken(
  db: Db,
  token: string,
): Promise<{ tokenId: string; userId: string } | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const [row] = await db
    .select({ id: apiTokens.id, userId: apiTokens.userId, lastUsedAt: apiTokens.lastUsedAt })
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, hashToken(token)), isNull(apiTokens.revokedAt)));
  if (!row) return null;
  const now = new Date();
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id));
  }
  return { tokenId: row.id, userId: row.userId };
}

/** The token of an `Authorization: Bearer …` header; undefined when there is no such header. */
export function bearerToken(header: string | null): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  if (header && !match) return ''; // An Authorization header that is not a bearer token: present, but invalid.
  return match?.[1];
}
