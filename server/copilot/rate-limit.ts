/**
 * Per-user rate limit for the chat endpoint: a sliding window of request times per user, in this process's memory.
 * With several server processes each keeps its own window (so the effective limit is per process); a deployment
 * that needs one shared limit can back this with PostgreSQL or Redis behind the same `take` signature.
 */
import 'server-only';

export interface RateLimitDecision {
  allowed: boolean;
  /** Seconds until the next request would be allowed (0 when allowed). */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  take(userId: string, now?: number): RateLimitDecision;
}

/** At most `limit` requests per user in any `windowMs`. */
export function createRateLimiter(limit: number, windowMs: number): RateLimiter {
  const recent = new Map<string, number[]>();
  return {
    take(userId, now = Date.now()) {
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
