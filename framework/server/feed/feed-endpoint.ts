/**
 * The change feed's subscription (`sync.changes`) served without tRPC's SSE response machinery, same URL, same
 * wire format. Why: profiled at a thousand subscribers, most of the server's CPU per change went to tRPC's
 * per-stream pipeline (an async generator racing a ping timer, a generator of events, a ReadableStream, a
 * TransformStream of strings, a TextEncoderStream and a pulling ReadableStream per subscriber, each message
 * stringified and encoded per subscriber) and to Next piping it; bench/README.md, issue 17. Here a stream is one
 * ReadableStream whose chunks are frames encoded once per message and shared by every stream that sends it.
 *
 * Only what can succeed is served here: the procedure itself is still called through tRPC (`callTRPCProcedure`:
 * its middlewares, authentication and input validation), and any request this endpoint does not take, or that fails
 * before its stream starts (no session, bad input, a foreign origin, a batch), answers `null` so that the caller
 * hands it to tRPC's own handler, which answers it exactly as before. Errors during the stream (a schema version
 * mismatch, a revoked credential, a server restart) are sent as tRPC's `serialized-error` event with the router's
 * error shape; keep-alive pings, the maximum duration and the client options come from the router's `sse` config.
 */
import 'server-only';
import {
  callTRPCProcedure,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  type AnyTRPCRouter,
  type TRPCError,
} from '@trpc/server';
import {
  connectedFrame,
  createFrameEncoder,
  errorFrame,
  PING_FRAME,
  retryFrame,
  RETURN_FRAME,
  SSE_HEADERS,
  type FrameState,
} from './sse-frames';

/** What the feed endpoint is built from. */
export interface FeedEndpointOptions<TContext> {
  /** The app's router (tRPC config, error formatter and transformer included). */
  router: AnyTRPCRouter;
  /** The path the tRPC route is mounted at, e.g. `/api/trpc`. */
  endpoint: string;
  /** The subscription served; default `sync.changes` (where `createSyncServer`'s routers mount it). */
  path?: string;
  /** The same context builder as the tRPC route's: a throw hands the request to tRPC (which throws the same). */
  createContext(request: Request): Promise<TContext>;
  /** A `retry:` field before the first event (the browser's reconnect delay), as the app's tRPC responses have. */
  retryMs?: number;
  /** Called with an error that ends a stream after it started, as tRPC's `onError`. */
  onError?(options: { error: TRPCError; path: string; ctx: TContext; input: unknown }): void;
}

/** A request handler: the feed's response, or null when the request is for tRPC's handler. */
export type FeedEndpoint = (request: Request) => Promise<Response | null>;

/** The subscription path of the framework's change feed. */
export const FEED_PATH = 'sync.changes';

/** Frames queued per stream before the feed stops reading for it (a slow client holds its place, not memory). */
const QUEUED_FRAMES = 16;

export function createFeedEndpoint<TContext>(options: FeedEndpointOptions<TContext>): FeedEndpoint {
  const { router } = options;
  const config = router._def._config;
  const path = options.path ?? FEED_PATH;
  const pathname = `${options.endpoint}/${path}`;
  const encode = createFrameEncoder((value) => config.transformer.output.serialize(value));
  const preface = options.retryMs === undefined ? null : retryFrame(options.retryMs);

  return async (request) => {
    if (request.method !== 'GET') return null;
    const url = new URL(request.url);
    // Batches, JSONL streaming and connection params are tRPC's to answer (or refuse).
    if (
      url.pathname !== pathname ||
      url.searchParams.has('batch') ||
      url.searchParams.has('connectionParams')
    )
      return null;
    if (request.headers.get('trpc-accept') !== null) return null;
    const input = readInput(url, request.headers, (value) => config.transformer.input.deserialize(value));
    if (!input) return null;
    const rawInput = input.raw;
    const ctx = await options.createContext(request).then(
      (value) => ({ value }),
      () => null,
    );
    if (!ctx) return null;
    const context = ctx.value;

    const abort = new AbortController();
    const onRequestAbort = () => abort.abort();
    // Only the signal is kept for the stream's life, not the request (its headers, URL and Next's wrappers).
    const requestSignal = request.signal;
    if (requestSignal.aborted) return null;
    requestSignal.addEventListener('abort', onRequestAbort, { once: true });
    const started = await callTRPCProcedure({
      router,
      path,
      getRawInput: async () => input.withLastEventId,
      ctx: context,
      type: 'subscription',
      signal: abort.signal,
      batchIndex: 0,
    }).then(
      (value) => ({ value }),
      () => null,
    );
    if (!started || !isAsyncIterable(started.value)) {
      requestSignal.removeEventListener('abort', onRequestAbort);
      abort.abort();
      return null;
    }
    const iterator = started.value[Symbol.asyncIterator]();
    const state: FrameState = { lastEventId: input.lastEventId };
    const sse = config.sse ?? {};
    const pingMs = sse.ping?.enabled ? (sse.ping.intervalMs ?? 1_000) : 0;
    const maxDurationMs = sse.maxDurationMs;

    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let closed = false;
    let lastEventAt = Date.now();
    let pingTimer: NodeJS.Timeout | undefined;
    let maxDurationTimer: NodeJS.Timeout | undefined;
    let resume: (() => void) | null = null;

    const write = (frame: Uint8Array) => {
      if (!closed) controller.enqueue(frame);
    };
    /** Ends the response; the procedure's signal aborts so its generator returns and releases what it holds. */
    const finish = (closeBody: boolean) => {
      if (closed) return;
      closed = true;
      clearTimeout(pingTimer);
      clearTimeout(maxDurationTimer);
      requestSignal.removeEventListener('abort', onRequestAbort);
      abort.abort();
      resume?.();
      if (closeBody) controller.close();
    };
    // tRPC pings after an interval without an event. One timer per stream, re-armed lazily: a write only notes the
    // time, so a change sent to a thousand streams does not reset a thousand timers.
    const onPingTimer = () => {
      if (closed) return;
      const idle = Date.now() - lastEventAt;
      if (idle >= pingMs) {
        write(PING_FRAME);
        lastEventAt = Date.now();
        pingTimer = setTimeout(onPingTimer, pingMs);
      } else {
        pingTimer = setTimeout(onPingTimer, pingMs - idle);
      }
    };

    /**
     * Writes one value's frames; false once the procedure has returned. Not inlined in pump: a local of pump would
     * stay in its suspended frame while it awaits the next value, holding the last message (for a stream's first
     * one, its own snapshot of the user's rows) for as long as the stream is open.
     */
    const deliver = (next: IteratorResult<unknown>): boolean => {
      if (next.done) return false;
      for (const frame of encode(next.value, state)) write(frame);
      lastEventAt = Date.now();
      return true;
    };

    async function pump() {
      try {
        for (;;) {
          if (closed) {
            await iterator.return?.();
            return;
          }
          if (!deliver(await iterator.next())) break;
          if (controller.desiredSize !== null && controller.desiredSize <= 0 && !closed)
            await new Promise<void>((resolve) => (resume = resolve));
          resume = null;
        }
        write(RETURN_FRAME);
      } catch (cause) {
        if (closed || isAbortError(cause)) return;
        const error = getTRPCErrorFromUnknown(cause);
        options.onError?.({ error, path, ctx: context, input: rawInput });
        const shape = getTRPCErrorShape({
          config,
          error,
          type: 'subscription',
          path,
          input: rawInput,
          ctx: context,
        });
        write(errorFrame(config.transformer.output.serialize(shape)));
      } finally {
        finish(true);
      }
    }

    const body = new ReadableStream<Uint8Array>(
      {
        start(streamController) {
          controller = streamController;
          if (preface) controller.enqueue(preface);
          controller.enqueue(connectedFrame(sse.client ?? {}));
          if (pingMs > 0 && pingMs !== Infinity) pingTimer = setTimeout(onPingTimer, pingMs);
          // tRPC ends the response after this long without a `return` event: the client reconnects with its id.
          if (maxDurationMs) maxDurationTimer = setTimeout(() => finish(true), maxDurationMs);
          void pump();
        },
        pull() {
          resume?.();
        },
        cancel() {
          finish(false);
        },
      },
      { highWaterMark: QUEUED_FRAMES },
    );
    return new Response(body, { status: 200, headers: SSE_HEADERS });
  };
}

/**
 * The subscription's input as tRPC reads it from a GET: `?input=` (JSON, then the transformer), with the last
 * event id the client sent (the Last-Event-ID header on reconnects, or a query parameter) merged in. Null when the
 * input does not parse: tRPC answers that.
 */
function readInput(
  url: URL,
  headers: Headers,
  deserialize: (value: unknown) => unknown,
): { raw: unknown; withLastEventId: unknown; lastEventId: string | null } | null {
  let raw: unknown = undefined;
  const query = url.searchParams.get('input');
  try {
    if (query) raw = deserialize(JSON.parse(query));
  } catch (error) {
    if (error instanceof Error) return null;
    throw error;
  }
  const sent =
    headers.get('last-event-id') ??
    url.searchParams.get('lastEventId') ??
    url.searchParams.get('Last-Event-Id');
  let withLastEventId = raw;
  if (sent) {
    if (typeof raw === 'object' && raw !== null && !Array.isArray(raw))
      withLastEventId = { ...raw, lastEventId: sent };
    else withLastEventId = raw ?? { lastEventId: sent };
  }
  // The id a client holds: one that could not be sent back in an `id:` field is not one.
  const lastEventId = sent && !/[\0\n\r]/.test(sent) ? sent : null;
  return { raw, withLastEventId, lastEventId };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** tRPC leaves aborts unreported (the client went away); so does this endpoint. */
function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}
