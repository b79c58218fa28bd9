/**
 * API tokens: made and revoked by a signed-in user (the settings page), used by scripts and MCP clients as
 * `Authorization: Bearer <token>`. Only a hash is stored; the token is shown once.
 */
import 'server-only';
import { createHash, randomBytes } from 'node:crypto';
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '@/db/open';
import { apiTokens } from '@/db/schema';

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

/** Makes a token; the returned `token` is the only time its value is available. */
export async function createApiToken(
  db: Db,
  userId: string,
  name: string,
): Promise<ApiTokenSummary & { token: string }> {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const [row] = await db
    .insert(apiTokens)
    .values({
      id: crypto.randomUUID(),
      userId,
      name,
      tokenHash: hashToken(token),
      prefix: token.slice(0, SHOWN_CHARS),
    })
    .returning();
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

/** Revokes one of the user's tokens; false when the user has no such live token. */
export async function revokeApiToken(db: Db, userId: string, id: string): Promise<boolean> {
  const revoked = await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.id, id), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  return revoked.length > 0;
}

/** The user a live token belongs to, or null for an unknown or revoked token. */
export async function userForApiToken(db: Db, token: string): Promise<{ id: string } | null> {
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
  return { id: row.userId };
}

/** The token of an `Authorization: Bearer …` header; undefined when there is no such header. */
export function bearerToken(header: string | null): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  if (header && !match) return ''; // An Authorization header that is not a bearer token: present, but invalid.
  return match?.[1];
}
