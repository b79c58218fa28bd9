/**
 * One change feed per browser, shared by its tabs of the app.
 *
 * Why: over HTTP/1.1 a browser opens at most 6 connections to one host, and an SSE stream holds one for as long as
 * the tab is open. With a stream per tab, the seventh tab of the app waited forever for a connection: its page never
 * loaded (Chromium, measured; docs/architecture.md "One feed per browser"). Over HTTP/2 there is no such limit, but
 * a stream per tab still costs the server one subscriber per tab.
 *
 * How: the tabs ask for one Web Lock. The tab holding it follows the feed (followFeed) and relays every message, with
 * the version it follows, its connection state and a schema-version refusal over a BroadcastChannel. The other tabs
 * apply the relayed messages to their own stores. A tab that has not seen everything up to a message's `after` (it
 * just opened, or the holder changed, or the holder got a reset) asks the server for what it missed (`sync.since`)
 * instead. When the holding tab closes, the browser passes the lock to another tab, which opens the stream from its
 * own version.
 *
 * Without Web Locks or BroadcastChannel (old browsers, Node scripts) each caller follows a feed of its own.
 */
import type { TRPCClient } from '@trpc/client';
import type { SyncClientRouter } from '../server/routers/sync';
import type { SchemaVersionMismatch, SyncMessage } from '../shared/sync-protocol';
import { followFeed } from './follow-feed';
import type { ConnectionState, SyncStore } from './store';
import { schemaVersionMismatchOf } from './trpc-transport';

/** What tabs tell each other on the channel. */
type Relay =
  /** `userId`: whose feed it is. A tab holding another user's rows (in the moment of a sign-in) ignores it. */
  | { kind: 'message'; userId: string; message: SyncMessage; after: number | null }
  | { kind: 'state'; userId: string; state: ConnectionState }
  | { kind: 'outdated'; mismatch: SchemaVersionMismatch }
  /** A tab that just opened asks the holder for its state. */
  | { kind: 'hello' };

/** The part of a BroadcastChannel used here (a test passes its own). */
export interface RelayChannel {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent) => void) | null;
  close(): void;
}

export interface SharedFeedOptions {
  /** Tabs that use the same name share one feed. Default: {@link feedName} of the store's schema version. */
  name?: string;
  /** Default `navigator.locks`. */
  locks?: LockManager;
  /** Default `new BroadcastChannel(name)`. */
  openChannel?: (name: string) => RelayChannel;
}

/** The version of what tabs relay to each other (the {@link Relay} messages): raised when their shape changes. */
const RELAY_PROTOCOL = 1;

/**
 * The lock's and the channel's name unless given. Tabs of different builds never share a feed: a tab left open from
 * before a deploy is refused by the new server (another schema version) and would relay that refusal to the new
 * tabs, or relay messages in an older shape.
 */
export function feedName(schemaVersion: number | undefined): string {
  return `trpc-actions-starter:change-feed:${RELAY_PROTOCOL}:${schemaVersion ?? 'none'}`;
}

type FeedStore = Pick<
  SyncStore,
  | 'version'
  | 'clientId'
  | 'userId'
  | 'applyMessage'
  | 'connectionState'
  | 'setConnectionState'
  | 'schemaVersion'
  | 'restoring'
  | 'outdated'
  | 'markOutdated'
>;

/** Retries of a failed catch-up: 0.25 s, doubling up to 10 s, for as long as the tab follows. */
function catchUpDelayMs(failures: number): number {
  return Math.min(10_000, 250 * 2 ** failures);
}

/**
 * Catch-ups refused with 401 before the session counts as gone (≈ 30 s): a tab can ask in the moment a guest's
 * sign-up has moved the guest but the browser has not yet stored the account's cookie (docs/accounts.md).
 */
const UNAUTHORIZED_ATTEMPTS = 6;

/**
 * Keeps `store` live over the change feed, shared with the browser's other tabs (see the file comment). Returns the
 * stop function: a tab that held the feed hands it on.
 *
 * A tab whose session is gone (its feed or its catch-up refused for good: signed out, revoked, expired) shows
 * 'signed-out' and leaves the sharing, as a tab with a feed of its own did: no feed until it reloads. The tabs that
 * reload have a session again and share a feed among themselves.
 */
export function followSharedFeed(
  client: TRPCClient<SyncClientRouter>,
  store: FeedStore,
  options: SharedFeedOptions = {},
): () => void {
  const locks = options.locks ?? (typeof navigator === 'undefined' ? undefined : navigator.locks);
  const openChannel =
    options.openChannel ??
    (typeof BroadcastChannel === 'undefined' ? undefined : (name: string) => new BroadcastChannel(name));
  if (!locks || !openChannel) return followFeed(client, store);

  const name = options.name ?? feedName(store.schemaVersion);
  const channel = openChannel(name);
  const stopping = new AbortController();
  let stopped = false;
  let stopLeading: (() => void) | null = null;
  const post = (relay: Relay) => {
    if (!stopped) channel.postMessage(relay);
  };
  const stop = () => {
    if (stopped) return;
    stopped = true;
    stopping.abort();
    if (retry) clearTimeout(retry);
    channel.onmessage = null;
    channel.close();
    stopLeading?.();
  };

  // --- Following another tab's feed ---
  /** The holder's connection state as last relayed (null: not heard yet). */
  let holderState: ConnectionState | null = null;
  /** Whose feed the holder follows (its last state relay). */
  let holderUser: string | null = null;
  /** Set once a catch-up has succeeded: until then this tab shows 'connecting', whatever the holder's state. */
  let caughtUp = false;
  let catchingUp = false;
  let catchUpAgain = false;
  let failures = 0;
  let refusals = 0;
  let retry: ReturnType<typeof setTimeout> | null = null;

  const following = () => !stopped && stopLeading === null;

  const showHolderState = () => {
    if (!following() || store.outdated || !caughtUp) return;
    // The holder follows another user (this tab reloaded after a sign-out, and the holder has not heard yet) or
    // its session was refused while this tab's works: the holder is leaving, and the lock comes to a tab like this.
    const elsewhere = holderUser !== null && holderUser !== store.userId;
    store.setConnectionState(
      elsewhere || holderState === 'signed-out' ? 'reconnecting' : (holderState ?? 'live'),
    );
  };

  const catchUp = () => {
    if (!following()) return;
    if (catchingUp) {
      catchUpAgain = true;
      return;
    }
    catchingUp = true;
    if (retry) clearTimeout(retry);
    retry = null;
    void (async () => {
      try {
        do {
          catchUpAgain = false;
          // A store restoring carried mutations needs a reset naming its client (as in followFeed).
          const after = store.restoring ? null : store.version;
          const message = await client.sync.since.query({
            lastEventId: after === null ? null : String(after),
            clientId: store.clientId,
            // The server answers a reset if the session is another user's now (a guest signed in elsewhere).
            userId: store.userId,
            schemaVersion: store.schemaVersion,
          });
          await store.applyMessage(message, message.type === 'changes' ? (after ?? undefined) : undefined);
          failures = 0;
          refusals = 0;
          caughtUp = true;
          showHolderState();
        } while (catchUpAgain && following());
      } catch (error) {
        const mismatch = schemaVersionMismatchOf(error);
        if (mismatch) {
          store.markOutdated(mismatch);
          return;
        }
        if (!following()) return;
        const unauthorized = (error as { data?: { code?: string } }).data?.code === 'UNAUTHORIZED';
        // The holder's feed was refused too, or this tab's session stays refused: gone for good.
        if (unauthorized && (holderState === 'signed-out' || ++refusals >= UNAUTHORIZED_ATTEMPTS)) {
          store.setConnectionState('signed-out');
          stop();
          return;
        }
        console.error('[sync] catching up with the shared feed failed:', (error as Error).message);
        store.setConnectionState('reconnecting');
        retry = setTimeout(catchUp, catchUpDelayMs(failures++));
      } finally {
        catchingUp = false;
      }
    })();
  };

  const onRelay = (relay: Relay) => {
    if (relay.kind === 'hello') {
      // Only the holder answers; every tab that follows hears it.
      if (stopLeading === null) return;
      post({ kind: 'state', userId: store.userId, state: store.connectionState });
      if (store.outdated) post({ kind: 'outdated', mismatch: store.outdated });
      return;
    }
    if (!following()) return;
    if (relay.kind === 'state') {
      holderState = relay.state;
      holderUser = relay.userId;
      if (relay.state === 'signed-out' && relay.userId === store.userId) {
        // This user's session is gone: no feed until reload, as for the holder.
        store.setConnectionState('signed-out');
        stop();
        return;
      }
      // (Another user's session gone: this tab reloaded since with a new one, and takes the feed next.)
      showHolderState();
    } else if (relay.kind === 'outdated') {
      store.markOutdated(relay.mismatch);
    } else {
      holderUser = relay.userId;
      if (relay.message.type === 'reset') {
        // The reset was read for the holder: only this tab's own reset says which of this tab's mutations it
        // includes (and if the session changed hands, the catch-up's answer is a reset for the new user).
        catchUp();
      } else if (relay.userId === store.userId) {
        const { message, after } = relay;
        void store
          .applyMessage(message, after ?? Number.POSITIVE_INFINITY)
          .then((applied) => {
            if (!applied) catchUp();
          })
          .catch((error: unknown) => console.error('[sync] bad relayed feed message', error));
      }
    }
  };
  channel.onmessage = (event: MessageEvent) => onRelay(event.data as Relay);

  // --- Holding the feed ---
  const lead = () =>
    new Promise<void>((release) => {
      if (stopped) {
        release();
        return;
      }
      if (retry) clearTimeout(retry);
      retry = null;
      const relaying: Parameters<typeof followFeed>[1] = {
        get version() {
          return store.version;
        },
        get clientId() {
          return store.clientId;
        },
        get userId() {
          return store.userId;
        },
        get schemaVersion() {
          return store.schemaVersion;
        },
        get restoring() {
          return store.restoring;
        },
        applyMessage: (message) => store.applyMessage(message),
        setConnectionState: (state) => {
          store.setConnectionState(state);
          post({ kind: 'state', userId: store.userId, state });
          // No feed until reload, as for a tab with a stream of its own; the lock goes to a tab that has one.
          if (state === 'signed-out') queueMicrotask(stop);
        },
        markOutdated: (mismatch) => {
          store.markOutdated(mismatch);
          post({ kind: 'outdated', mismatch });
        },
      };
      // Whose feed this is: the store learns of a reset only once it has applied it, the relay needs it at once.
      let streamUser = store.userId;
      const unsubscribe = followFeed(client, relaying, {
        onMessage: (message, after) => {
          if (message.type === 'reset') streamUser = message.snapshot.userId;
          post({ kind: 'message', userId: streamUser, message, after });
        },
      });
      stopLeading = () => {
        unsubscribe();
        release();
      };
    });

  // The first tab takes the feed at once; any other follows (asks the holder's state, catches up from its snapshot)
  // and queues for the lock.
  const wait = (error: unknown) => {
    // Aborted: this tab stopped before its turn came.
    if (!stopping.signal.aborted) console.error('[sync] the shared feed lock failed:', error);
  };
  locks
    .request(name, { ifAvailable: true }, async (lock) => {
      if (!lock) return false;
      await lead();
      return true;
    })
    .then((held) => {
      if (held || stopped) return;
      post({ kind: 'hello' });
      catchUp();
      return locks.request(name, { signal: stopping.signal }, lead);
    })
    .catch(wait);

  return stop;
}
