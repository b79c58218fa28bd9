/**
 * The chat endpoint's rate limiter: what it needs of one. The app passes the database-backed model-call limit that
 * all processes share (framework/server/limits/model-calls.ts); {@link createRateLimiter} is an in-memory one, per process, for
 * tests and benches.
 */
import 'server-only';

export interface RateLimitDecision {
  allowed: boolean;
  /** Seconds until the next request would be allowed (0 when allowed). */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  take(userId: string): RateLimitDecision | Promise<RateLimitDecision>;
}

/** At most `limit` requests per user in any `windowMs`, in this process's memory. */
export function createRateLimiter(
  limit: number,
  windowMs: number,
): RateLimiter & { take(userId: string, now?: number): RateLimitDecision } {
  const recent = new Map<string, number[]>();
  return {
    take(userId: string, now: number = Date.now()) {
      const times = (recent.get(userId) ?? []).filter((time) => time > now - windowMs);
      if (times.length >= limit) {
        recent.set(userId, times);
        const oldest = times[0] ?? now;
        return {
          allowed: false,
          retryAfterSeconds: Math.max(1, Math.ceil((oldest + windowMs - now) / 1000)),
        };
      }
      times.push(now);
      recent.set(userId, times);
      // Forget idle users now and then so the map does not grow with every user ever seen.
      if (recent.size > 10_000) {
        for (const [id, list] of recent) if ((list.at(-1) ?? 0) <= now - windowMs) recent.delete(id);
      }
      return { allowed: true, retryAfterSeconds: 0 };
    },
  };
}
