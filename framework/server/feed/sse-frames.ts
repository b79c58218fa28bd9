/**
 * Server-Sent-Event frames byte for byte as tRPC 11's `sseStreamProducer` writes them
 * (@trpc/server/src/unstable-core-do-not-import/stream/sse.ts), so that `httpSubscriptionLink` and every other
 * client of the feed cannot tell the feed endpoint (./feed-endpoint.ts) from tRPC's own subscription response.
 * tRPC writes each field as a line and then "\n\n", so every event ends in three newlines; fields come in the order
 * event, data, id. The difference is cost: a tracked message sent to many streams is encoded once (see
 * {@link createFrameEncoder}), where tRPC stringifies and encodes it for each stream.
 */
import 'server-only';
import { isTrackedEnvelope } from '@trpc/server';

const encoder = new TextEncoder();

/**
 * The response headers tRPC sets on an SSE response: `vary` on every response of its handler, then its
 * `sseHeaders` (not part of its public entry point).
 */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  vary: 'trpc-accept, accept',
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
};

/** tRPC's keep-alive event: `withPing` yields it after an interval without a value. */
export const PING_FRAME = encoder.encode('event: ping\ndata: \n\n\n');

/** tRPC's end-of-subscription event: the procedure returned; the client closes instead of reconnecting. */
export const RETURN_FRAME = encoder.encode('event: return\ndata: \n\n\n');

/** The first event of every tRPC subscription response: the client options, plain JSON (not the transformer's). */
export function connectedFrame(client: object): Uint8Array {
  return encoder.encode(`event: connected\ndata: ${JSON.stringify(client)}\n\n\n`);
}

/** An error that ends the stream: the error shape, serialized by the transformer as tRPC does. */
export function errorFrame(serializedShape: unknown): Uint8Array {
  return encoder.encode(`event: serialized-error\ndata: ${JSON.stringify(serializedShape)}\n\n\n`);
}

/** The SSE `retry:` field (the browser's reconnect delay), as the app's responses carry before their first event. */
export function retryFrame(reconnectMs: number): Uint8Array {
  return encoder.encode(`retry: ${reconnectMs}\n\n`);
}

/** Per stream: the last event id its client holds (tRPC restores it after an event without an id). */
export interface FrameState {
  lastEventId: string | null;
}

/**
 * The frames of procedure values, for one transformer. A tracked value's frame is cached by its envelope: the
 * change feed yields one shared envelope per user and version to every stream of that user (change-stream.ts), so
 * a thousand tabs share one stringify, one encode and one buffer. Untracked values (not yielded by the feed, kept
 * for completeness) are encoded per stream, with tRPC's `restore-id` event when the client holds an id.
 */
export function createFrameEncoder(
  serialize: (value: unknown) => unknown,
): (value: unknown, state: FrameState) => Uint8Array[] {
  const frames = new WeakMap<object, Uint8Array>();
  const dataOf = (value: unknown) => JSON.stringify(serialize(value));
  return (value, state) => {
    if (isTrackedEnvelope(value)) {
      state.lastEventId = value[0];
      let frame = frames.get(value);
      if (!frame) {
        frame = encoder.encode(`data: ${dataOf(value[1])}\nid: ${value[0]}\n\n\n`);
        frames.set(value, frame);
      }
      return [frame];
    }
    if (state.lastEventId === null) return [encoder.encode(`data: ${dataOf(value)}\n\n\n`)];
    // EventSource gives an event without an id the last id it received: clear it for this event, then set it back
    // with an event clients do not listen to, so a reconnect still resumes from it (tRPC does the same).
    return [
      encoder.encode(`data: ${dataOf(value)}\nid: \n\n\n`),
      encoder.encode(`event: restore-id\ndata: \nid: ${state.lastEventId}\n\n\n`),
    ];
  };
}
