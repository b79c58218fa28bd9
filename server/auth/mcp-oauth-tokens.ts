/**
 * The resource server's side of OAuth for MCP: is this access token good for /api/mcp, and the user's view of the
 * clients they connected (list, revoke). Tokens are opaque and looked up here on every call, so a revoked grant is
 * refused at the next one. Issuing them is Better Auth's (server/auth/mcp-oauth.ts).
 */
import 'server-only';
import { and, desc, eq, gt, isNull, or } from 'drizzle-orm';
import type { Db } from '@/framework/server';
import { oauthAccessTokens, oauthClients, oauthConsents, oauthRefreshTokens } from '@/db/schema';
import { announceOAuthTokensRevoked } from './credential-watch';
import { hashOAuthToken, MCP_SCOPE, OAUTH_ACCESS_TOKEN_PREFIX } from './mcp-oauth';

/** A live access token: its row's id (streams re-check it), its user and its client. */
export interface LiveOAuthAccessToken {
  tokenId: string;
  userId: string;
  clientId: string;
}

/** Whether a bearer token is shaped like one of our OAuth access tokens (API tokens have another prefix). */
export function isOAuthAccessToken(token: string): boolean {
  return token.startsWith(OAUTH_ACCESS_TOKEN_PREFIX);
}

/**
 * The live access token `token` is, when it is good for `resource`: issued to a user (not a machine), not revoked,
 * not expired, with `resource` in its audience and the MCP scope, from a client that is not disabled. Null otherwise
 * (the caller answers 401 either way: which check failed is not the client's business).
 */
export async function findLiveOAuthAccessToken(
  db: Db,
  token: string,
  resource: string,
): Promise<LiveOAuthAccessToken | null> {
  if (!isOAuthAccessToken(token)) return null;
  const stored = hashOAuthToken(token.slice(OAUTH_ACCESS_TOKEN_PREFIX.length));
  const [row] = await db
    .select({
      id: oauthAccessTokens.id,
      userId: oauthAccessTokens.userId,
      clientId: oauthAccessTokens.clientId,
      resources: oauthAccessTokens.resources,
      scopes: oauthAccessTokens.scopes,
      expiresAt: oauthAccessTokens.expiresAt,
      clientDisabled: oauthClients.disabled,
    })
    .from(oauthAccessTokens)
    .innerJoin(oauthClients, eq(oauthClients.clientId, oauthAccessTokens.clientId))
    .where(and(eq(oauthAccessTokens.token, stored), isNull(oauthAccessTokens.revoked)));
  if (!row || !row.userId || row.clientDisabled) return null;
  if (!row.expiresAt || row.expiresAt.getTime() <= Date.now()) return null;
  // RFC 8707: a token asked for another resource (or for none) is not for us, even from our own server.
  if (!row.resources?.includes(resource)) return null;
  if (!row.scopes.includes(MCP_SCOPE)) return null;
  return { tokenId: row.id, userId: row.userId, clientId: row.clientId };
}

/** One MCP client the user connected, as the settings page lists it. */
export interface McpClientSummary {
  clientId: string;
  /** The name the client registered with (its own claim: shown as such). */
  name: string | null;
  uri: string | null;
  scopes: string[];
  /** When the user last allowed it. */
  allowedAt: Date | null;
}

/** The clients the user allowed (a consent) or that still hold a token of the user's, most recent first. */
export async function listMcpClients(db: Db, userId: string): Promise<McpClientSummary[]> {
  const consents = await db
    .select({
      clientId: oauthConsents.clientId,
      scopes: oauthConsents.scopes,
      allowedAt: oauthConsents.updatedAt,
      name: oauthClients.name,
      uri: oauthClients.uri,
    })
    .from(oauthConsents)
    .innerJoin(oauthClients, eq(oauthClients.clientId, oauthConsents.clientId))
    .where(eq(oauthConsents.userId, userId))
    .orderBy(desc(oauthConsents.updatedAt));
  const listed = new Set(consents.map((consent) => consent.clientId));
  // A token without a consent (e.g. the consent row was removed by other means): still listed, so it can be revoked.
  const now = new Date();
  const holders = await db
    .selectDistinct({ clientId: oauthClients.clientId, name: oauthClients.name, uri: oauthClients.uri })
    .from(oauthClients)
    .leftJoin(oauthAccessTokens, eq(oauthAccessTokens.clientId, oauthClients.clientId))
    .leftJoin(oauthRefreshTokens, eq(oauthRefreshTokens.clientId, oauthClients.clientId))
    .where(
      or(
        and(eq(oauthAccessTokens.userId, userId), gt(oauthAccessTokens.expiresAt, now)),
        and(eq(oauthRefreshTokens.userId, userId), isNull(oauthRefreshTokens.revoked)),
      ),
    );
  return [
    ...consents.map((consent) => ({ ...consent, allowedAt: consent.allowedAt ?? null })),
    ...holders
      .filter((holder) => !listed.has(holder.clientId))
      .map((holder) => ({ ...holder, scopes: [], allowedAt: null })),
  ];
}

/**
 * Disconnects a client from the user: its consent, access tokens and refresh tokens for this user go, in one
 * transaction; false when the client held nothing of the user's. Its next call to /api/mcp gets 401, and streams
 * this process opened with its tokens end at once (others' at their next re-check: server/auth/credential-watch.ts).
 * The client's registration stays: it may ask the user again.
 */
export async function revokeMcpClient(db: Db, userId: string, clientId: string): Promise<boolean> {
  const { accessTokenIds, removed } = await db.transaction(async (tx) => {
    const accessTokens = await tx
      .delete(oauthAccessTokens)
      .where(and(eq(oauthAccessTokens.userId, userId), eq(oauthAccessTokens.clientId, clientId)))
      .returning({ id: oauthAccessTokens.id });
    const refreshTokens = await tx
      .delete(oauthRefreshTokens)
      .where(and(eq(oauthRefreshTokens.userId, userId), eq(oauthRefreshTokens.clientId, clientId)))
      .returning({ id: oauthRefreshTokens.id });
    const consents = await tx
      .delete(oauthConsents)
      .where(and(eq(oauthConsents.userId, userId), eq(oauthConsents.clientId, clientId)))
      .returning({ id: oauthConsents.id });
    return {
      accessTokenIds: accessTokens.map((token) => token.id),
      removed: accessTokens.length + refreshTokens.length + consents.length,
    };
  });
  announceOAuthTokensRevoked(db, accessTokenIds);
  return removed > 0;
}

/** A client's registered name and link for the consent page; null when no enabled client has this id. */
export async function describeMcpClient(
  db: Db,
  clientId: string,
): Promise<{ name: string | null; uri: string | null } | null> {
  const [row] = await db
    .select({ name: oauthClients.name, uri: oauthClients.uri, disabled: oauthClients.disabled })
    .from(oauthClients)
    .where(eq(oauthClients.clientId, clientId));
  return row && !row.disabled ? { name: row.name, uri: row.uri } : null;
}
