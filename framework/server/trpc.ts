/**
 * The approved building blocks for procedures. Every router (the framework's and the app's) imports from here,
 * never from `@trpc/server` directly, so that the transformer, the error shape and authentication stay the same
 * everywhere.
 */
import 'server-only';
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import type { Context } from './context';
import { MutationCallError } from './runtime/errors';
import { CredentialReplacedError } from './runtime/credential';
import { schemaVersionOf } from './runtime/schema-version';
import { retryAfterOf } from './limits/rate-limited-error';
import { withSpan } from './telemetry/tracing';
import { transformer } from './transformer';

/** One input problem, as clients receive it: `path` names the field (e.g. `["items", 2, "text"]`). */
export interface InputIssue {
  path: (string | number)[];
  message: string;
  code: string;
}

/**
 * Keep-alive of Server-Sent-Event streams (the change feed, streaming procedures). An idle stream gets a ping
 * comment every `pingMs`, so proxies that close silent connections leave it open; the client (told in the stream's
 * first event) reconnects, resuming from its last event id, when nothing at all arrived for
 * `reconnectAfterInactivityMs`: a connection that died without closing shows "Reconnecting" instead of "Live".
 */
export const SSE_KEEPALIVE = { pingMs: 4_000, reconnectAfterInactivityMs: 10_000 } as const;

/** Where the SSE maximum duration comes from (the app's validated environment); unset: no maximum. */
let sseMaxDurationMs: () => number | undefined = () => undefined;

/** Tells the framework how long an SSE response may last (read per subscription: see `maxDurationMs` below). */
export function configureSseMaxDuration(read: () => number | undefined): void {
  sseMaxDurationMs = read;
}

const t = initTRPC.context<Context>().create({
  transformer,
  sse: {
    ping: { enabled: true, intervalMs: SSE_KEEPALIVE.pingMs },
    client: { reconnectAfterInactivityMs: SSE_KEEPALIVE.reconnectAfterInactivityMs },
    /**
     * tRPC ends a subscription's response after this long without a `return` event, so the client's EventSource
     * reconnects by itself with Last-Event-ID (tracked versions: nothing missed, nothing twice). A getter because
     * tRPC reads it per subscription: the environment is validated at run time, not when `next build` imports this.
     */
    get maxDurationMs() {
      return sseMaxDurationMs();
    },
  },
  errorFormatter({ shape, error }) {
    const issues: InputIssue[] | null =
      error.code === 'BAD_REQUEST' && error.cause instanceof ZodError
        ? error.cause.issues.map((issue) => ({
            path: issue.path.map((key) => (typeof key === 'symbol' ? String(key) : key)),
            message: issue.message,
            code: issue.code,
          }))
        : null;
    // An unexpected error (tRPC wrapped something we threw by accident, e.g. a failed query) keeps its details in the
    // server log: its message can hold SQL and its parameters.
    const unexpected =
      error.code === 'INTERNAL_SERVER_ERROR' &&
      error.cause instanceof Error &&
      error.message === error.cause.message;
    const message = unexpected ? 'The server failed (see its log)' : shape.message;
    // A numbered mutation's error says whether its id was consumed, so the client knows whether to send it again.
    const mutation = error instanceof MutationCallError ? error.mutation : null;
    // A rate limit says when to come back, wherever the error travels (an HTTP body, an SSE event, a batch).
    const retryAfterSeconds = retryAfterOf(error);
    // A client built for another schema version: both versions, so it can tell the user to reload.
    const schemaVersion = schemaVersionOf(error);
    // A feed whose session became another user's (a guest signed in): the client subscribes again from scratch.
    const sessionReplaced = error instanceof CredentialReplacedError;
    return {
      ...shape,
      message,
      data: { ...shape.data, issues, mutation, retryAfterSeconds, schemaVersion, sessionReplaced },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** One span per procedure call: the root of the trace through the mutator, the commit and the fan-out. */
const traced = t.middleware(({ path, type, next }) =>
  withSpan(
    `trpc ${type} ${path}`,
    { attributes: { 'rpc.system': 'trpc', 'rpc.method': path, 'trpc.type': type } },
    async (span) => {
      const result = await next();
      if (!result.ok) span.setAttribute('trpc.error_code', result.error.code);
      return result;
    },
  ),
);

/** A procedure anyone may call, with or without a session. */
export const publicProcedure = t.procedure.use(traced);

/** A procedure that needs a user; `ctx.user` is non-null inside. */
export const userProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user) {
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message: 'No session: visit the app once, or send its cookie.',
    });
  }
  return next({ ctx: { ...ctx, user: ctx.user } });
});

/** A procedure for a browser session only (not an API token): e.g. managing the tokens themselves. */
export const sessionProcedure = userProcedure.use(({ ctx, next }) => {
  if (ctx.auth !== 'session') {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: 'Only a signed-in browser session can do this, not an API token.',
    });
  }
  return next();
});
