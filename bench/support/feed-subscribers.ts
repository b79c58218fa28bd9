/**
 * Change-feed subscribers for the load benches: typed clients (client/create-client.ts), each holding one
 * `sync.changes` subscription over SSE (the `eventsource` package, which uses fetch), as a browser tab holds one.
 * Every `changes` message is timestamped on arrival (performance.now(), this process) and handed on as the ids of
 * the todo rows it set, so a bench can tell which of its changes reached which subscriber and when.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, type AppClient } from '@/client/create-client';

/**
 * A new guest: the first request to the server makes it (and seeds its todos), and its session cookie is returned
 * as a Cookie header pair, so that any number of clients can act as that one user.
 */
export async function newUserCookie(url: string): Promise<string> {
  let cookie: string | null = null;
  const capture: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq > 0 && pair.slice(0, eq).trim().endsWith('.session_token')) cookie = pair.trim();
    }
    return response;
  };
  await createClient({ url, fetch: capture }).todos.list.query();
  if (cookie === null) throw new Error(`the first request to ${url} set no session cookie`);
  return cookie;
}

export interface FeedSubscribers {
  /** How many subscribers have received their first (`reset`) message. */
  readonly ready: number;
  /** Subscription errors (onError: the subscription gave up) with their first few messages. */
  readonly errors: number;
  readonly errorMessages: readonly string[];
  /** Times a subscription went back to "connecting" with an error after it had started: reconnects. */
  readonly reconnects: number;
  /** `changes` messages received, over all subscribers. */
  readonly messages: number;
  /** Ends every subscription (closes its EventSource). */
  close(): void;
}

/**
 * Opens one subscription per entry of `cookies` (the session cookie each subscriber acts with), `batch` at a time,
 * each batch waited on until all of its subscribers have their snapshot (bounded by `timeoutMs` overall). Resolves
 * once all are ready; throws (after closing them) if some never get ready in time.
 */
export async function openFeedSubscribers(options: {
  url: string;
  /** Servers to spread the subscribers over, round-robin (subscriber i on urls[i % length]); default [url]. */
  urls?: readonly string[];
  cookies: readonly string[];
  /** Called for every todo row a `changes` message sets, with the subscriber's index and the arrival time. */
  onTodoSet(subscriber: number, todoId: string, at: number): void;
  batch?: number;
  timeoutMs?: number;
}): Promise<FeedSubscribers> {
  const batch = options.batch ?? 100;
  const deadline = performance.now() + (options.timeoutMs ?? 120_000);
  const errorMessages = new Set<string>();
  const state = { ready: 0, errors: 0, reconnects: 0, messages: 0 };
  const subscriptions: { unsubscribe(): void }[] = [];
  const urls = options.urls && options.urls.length > 0 ? options.urls : [options.url];
  const clients: AppClient[] = options.cookies.map((cookie, index) =>
    createClient({ url: urls[index % urls.length] ?? options.url, sessionCookie: cookie }),
  );

  const subscribe = (index: number, client: AppClient) => {
    let started = false;
    subscriptions.push(
      client.sync.changes.subscribe(
        { lastEventId: null },
        {
          onData: ({ data }) => {
            const at = performance.now();
            if (data.type === 'reset') {
              if (!started) state.ready++;
              started = true;
              return;
            }
            state.messages++;
            for (const change of data.changes) {
              if (change.table === 'todos' && change.op === 'set') options.onTodoSet(index, change.id, at);
            }
          },
          onError: (error) => {
            state.errors++;
            if (errorMessages.size < 5) errorMessages.add(error.message);
          },
          onConnectionStateChange: (connection) => {
            if (started && connection.state === 'connecting' && connection.error) {
              state.reconnects++;
              if (errorMessages.size < 5) errorMessages.add(`reconnect: ${connection.error.message}`);
            }
          },
        },
      ),
    );
  };

  const handle: FeedSubscribers = {
    get ready() {
      return state.ready;
    },
    get errors() {
      return state.errors;
    },
    get errorMessages() {
      return [...errorMessages];
    },
    get reconnects() {
      return state.reconnects;
    },
    get messages() {
      return state.messages;
    },
    close() {
      for (const subscription of subscriptions.splice(0)) subscription.unsubscribe();
    },
  };

  for (let start = 0; start < clients.length; start += batch) {
    const end = Math.min(clients.length, start + batch);
    for (let index = start; index < end; index++) {
      const client = clients[index];
      if (client) subscribe(index, client);
    }
    while (state.ready < end && performance.now() < deadline) await sleep(10);
    if (state.ready < end) {
      handle.close();
      throw new Error(
        `only ${state.ready} of ${clients.length} subscribers got their snapshot in time` +
          (errorMessages.size > 0 ? ` (${[...errorMessages].join('; ')})` : ''),
      );
    }
  }
  return handle;
}
