/**
 * The one error every rate limit throws: TOO_MANY_REQUESTS (HTTP 429) with the seconds to wait, which the tRPC error
 * formatter copies into `data.retryAfterSeconds` and the HTTP handlers into a `Retry-After` header.
 */
import 'server-only';
import { TRPCError } from '@trpc/server';

export class RateLimitedError extends TRPCError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super({ code: 'TOO_MANY_REQUESTS', message: `${message}: try again in ${retryAfterSeconds} s` });
    this.name = 'RateLimitedError';
  }
}

/** The seconds to wait if `error` (or its cause) is a {@link RateLimitedError}; null otherwise. */
export function retryAfterOf(error: unknown): number | null {
  if (error instanceof RateLimitedError) return error.retryAfterSeconds;
  if (error instanceof Error && error.cause instanceof RateLimitedError) return error.cause.retryAfterSeconds;
  return null;
}
