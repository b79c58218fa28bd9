/**
 * One `sync.changes` subscription read the way a browser's EventSource reads it: a plain HTTP GET over its own
 * connection (`node:http`, no fetch, no tRPC client), the SSE frames split as they arrive and each message's data
 * parsed once with `JSON.parse`. A browser tab does this natively on its own core; the load benches open thousands
 * of subscribers on the same 2 cores as the server, so the cheaper the reading, the more of what they measure is
 * the server's. The frames are tRPC's (framework/server/feed/sse-frames.ts): `data:` holds the transformer's
 * output (superjson: `{ json, meta }`); `event:` marks tRPC's own events (connected, ping, return, errors).
 */
import http from 'node:http';

/** What a subscriber reports. `at` is epoch milliseconds with sub-millisecond resolution (comparable across threads). */
export interface SseSubscriberEvents {
  /** The first `reset` message (the snapshot) arrived: the subscription is live. */
  onReady(): void;
  /** A `changes` message set these todo rows. */
  onTodosSet(todoIds: readonly string[], at: number): void;
  /** The stream failed or ended; the subscriber reconnects by itself (with its last event id) unless closed. */
  onInterrupted(reason: string): void;
}

export interface SseSubscriber {
  close(): void;
}

/** Epoch milliseconds, high resolution: `performance.timeOrigin` differs per worker thread, the sum does not. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

/** No pooling: one socket per subscriber, as one EventSource holds one connection. */
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

interface ChangeMessage {
  type?: string;
  changes?: { table?: string; op?: string; id?: string }[];
}

/**
 * Opens the subscription at `baseUrl` (the app's origin) as the user of `cookie`, resuming after `lastEventId` on
 * reconnects (the Last-Event-ID header, as EventSource sends it). Reconnects after `reconnectMs` when the stream
 * breaks or ends; `close()` stops it for good.
 */
export function openSseFeedSubscriber(
  baseUrl: string,
  cookie: string,
  events: SseSubscriberEvents,
  reconnectMs = 500,
): SseSubscriber {
  const input = encodeURIComponent(JSON.stringify({ json: { lastEventId: null } }));
  const url = new URL(`/api/trpc/sync.changes?input=${input}`, baseUrl);
  let closed = false;
  let ready = false;
  let lastEventId: string | null = null;
  let request: http.ClientRequest | null = null;
  let retry: NodeJS.Timeout | undefined;

  /** Once per connection: a broken stream may report both an error and its end. */
  let connection = 0;
  const interruptedOnce = (attempt: number) => (reason: string) => {
    if (attempt !== connection) return;
    connection++;
    request = null;
    if (closed) return;
    events.onInterrupted(reason);
    retry = setTimeout(connect, reconnectMs);
  };

  const onEvent = (event: string, data: string, at: number) => {
    if (event === 'serialized-error') throw new Error(`the feed sent an error: ${data}`);
    // connected, ping, return, restore-id; and the `retry:` preface, which has no data
    if (event !== 'message' || data === '') return;
    const message = (JSON.parse(data) as { json?: ChangeMessage }).json;
    if (message?.type === 'reset') {
      if (!ready) events.onReady();
      ready = true;
      return;
    }
    const ids: string[] = [];
    for (const change of message?.changes ?? []) {
      if (change.table === 'todos' && change.op === 'set' && change.id) ids.push(change.id);
    }
    if (ids.length > 0) events.onTodosSet(ids, at);
  };

  function connect() {
    if (closed) return;
    const interrupted = interruptedOnce(connection);
    const headers: Record<string, string> = { cookie, accept: 'text/event-stream' };
    if (lastEventId !== null) headers['last-event-id'] = lastEventId;
    request = http.get(url, { agent, headers }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        interrupted(`HTTP ${response.statusCode}`);
        return;
      }
      response.setEncoding('utf8');
      let buffer = '';
      response.on('data', (chunk: string) => {
        const at = epochNow();
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
          if (block.length === 0 || block === '\n') continue;
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            const colon = line.indexOf(':');
            if (colon <= 0) continue;
            const field = line.slice(0, colon);
            const value = line.slice(colon + 1).replace(/^ /, '');
            if (field === 'event') event = value;
            else if (field === 'data') data = data ? `${data}\n${value}` : value;
            else if (field === 'id') lastEventId = value === '' ? lastEventId : value;
          }
          try {
            onEvent(event, data, at);
          } catch (error) {
            response.destroy();
            interrupted(error instanceof Error ? error.message : String(error));
            return;
          }
        }
      });
      response.on('end', () => interrupted('the stream ended'));
      response.on('error', (error) => interrupted(error.message));
    });
    request.on('error', (error) => interrupted(error.message));
  }

  connect();
  return {
    close() {
      closed = true;
      clearTimeout(retry);
      request?.destroy();
    },
  };
}
