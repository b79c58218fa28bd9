/**
 * Fixed-window rate limits kept in the database (the `rate_limits` table, through rate-limiter-flexible's
 * RateLimiterDrizzle), so that every server process on one PostgreSQL database shares one count. Each take is one
 * atomic upsert (INSERT … ON CONFLICT DO UPDATE), so concurrent takes from several processes never overshoot.
 */
import 'server-only';
import { RateLimiterDrizzle, RateLimiterRes } from 'rate-limiter-flexible';
import type { Db } from '../db/open';
import { rateLimits } from '../schema';
import type { Queryable } from '../runtime/synced-table';

/** At most `points` takes per key in each window of `durationSeconds`. */
export interface RateLimitPolicy {
  points: number;
  durationSeconds: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Seconds until the window ends and takes are allowed again (0 when allowed). */
  retryAfterSeconds: number;
}

/** Where the counter is written: the database, or an open transaction (its take then commits or rolls back with it). */
export type RateLimitStore = Db | Queryable;

/** Limiters per store and key prefix: their cleanup timer (expired rows) runs once per database, not per call. */
const limiters = new WeakMap<object, Map<string, RateLimiterDrizzle>>();

function limiterFor(store: RateLimitStore, keyPrefix: string, policy: RateLimitPolicy, durable: boolean) {
  const make = () =>
    new RateLimiterDrizzle({
      storeClient: store,
      schema: rateLimits,
      keyPrefix,
      points: policy.points,
      duration: policy.durationSeconds,
      // Only the long-lived limiter over the database deletes expired rows; a transaction's throwaway one must not
      // keep a timer (or the transaction) alive.
      clearExpiredByTimeout: durable,
    });
  if (!durable) return make();
  let byPrefix = limiters.get(store);
  if (!byPrefix) {
    byPrefix = new Map();
    limiters.set(store, byPrefix);
  }
  const id = `${keyPrefix}/${policy.points}/${policy.durationSeconds}`;
  let limiter = byPrefix.get(id);
  if (!limiter) {
    limiter = make();
    byPrefix.set(id, limiter);
  }
  return limiter;
}

/**
 * Takes one point for `key` under `keyPrefix`. Pass `inTransaction` to count inside an open transaction (PGlite has
 * one connection: a take through the database from inside a transaction would wait for it forever).
 */
export async function takePoint(
  db: Db,
  keyPrefix: string,
  key: string,
  policy: RateLimitPolicy,
  inTransaction?: Queryable,
): Promise<RateLimitDecision> {
  const limiter = limiterFor(inTransaction ?? db, keyPrefix, policy, !inTransaction);
  try {
    await limiter.consume(key);
    return { allowed: true, retryAfterSeconds: 0 };
  } catch (rejection) {
    // The library rejects with a RateLimiterRes when the limit is reached, and with an Error when the store fails.
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
  }
}
