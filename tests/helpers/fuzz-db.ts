/**
 * A fingerprint of every table, so a fuzz run can tell that a rejected call wrote nothing at all: per table the row
 * count and the sum of the rows' `xmin` (the id of the transaction that wrote each row version). Any committed insert,
 * update or delete changes one of the two: new row versions always carry a newer transaction id than every row they
 * replace. It is cheap (one small query), which matters on PGlite where every query costs milliseconds.
 * `api_tokens` is compared by content instead, without `last_used_at`: authenticating with a token refreshes that
 * (at most once a minute), which is not a write by the call under test. Better Auth's `auth_rate_limits` is left
 * out for the same reason: every /api/auth request counts there, accepted or not.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '@/framework/server/db/open';

export const FINGERPRINTED_TABLES = [
  'users',
  'todos',
  'sync_state',
  'sync_commits',
  'sync_changes',
  'client_mutations',
  'action_runs',
  'api_tokens',
  'copilot_threads',
  'copilot_streams',
  'copilot_stream_chunks',
  'provider_settings',
  'auth_users',
  'auth_sessions',
  'auth_accounts',
  'auth_verifications',
] as const;

export type TableName = (typeof FINGERPRINTED_TABLES)[number];
export type Fingerprint = Record<TableName, { rows: number; hash: string }>;

const tokenColumns = '(t.id, t.user_id, t.name, t.token_hash, t.prefix, t.created_at, t.revoked_at)::text';

const query = sql.raw(
  FINGERPRINTED_TABLES.map((table) =>
    table === 'api_tokens'
      ? `select '${table}' as name, count(*)::int as n, ` +
        `coalesce(md5(string_agg(${tokenColumns}, '|' order by ${tokenColumns})), '') as h from ${table} t`
      : `select '${table}' as name, count(*)::int as n, coalesce(sum(xmin::text::bigint), 0)::text as h from ${table}`,
  ).join(' union all '),
);

export async function fingerprint(db: Db): Promise<Fingerprint> {
  const result = await db.execute<{ name: TableName; n: number; h: string }>(query);
  return Object.fromEntries(
    result.rows.map((row) => [row.name, { rows: row.n, hash: row.h }]),
  ) as Fingerprint;
}

/** The tables whose rows differ, with their row-count change (0 for an update in place). */
export function changedTables(before: Fingerprint, after: Fingerprint): Partial<Record<TableName, number>> {
  const changed: Partial<Record<TableName, number>> = {};
  for (const table of FINGERPRINTED_TABLES) {
    if (before[table].hash !== after[table].hash || before[table].rows !== after[table].rows) {
      changed[table] = after[table].rows - before[table].rows;
    }
  }
  return changed;
}
