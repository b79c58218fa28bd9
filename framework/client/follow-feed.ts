/**
 * Keeps a store live over the change feed (`sync.changes`, SSE): applies its messages and reports the connection.
 * The server pings idle streams and tells the link to reconnect after a silence (framework/server/trpc.ts SSE_KEEPALIVE), so a
 * connection that died without closing turns into 'reconnecting' within seconds, then resumes from the last event.
 */
import type { TRPCClient } from '@trpc/client';
import type { SyncClientRouter } from '../server/routers/sync';
import type { SyncMessage } from '../shared/sync-protocol';
import type { SyncStore } from './store';
import { schemaVersionMismatchOf, sessionReplacedOf } from './trpc-transport';

/**
 * Subscribes `store` to its user's change feed from the store's version; returns the unsubscribe. When the server
 * ends the feed because its session now belongs to another user (a guest signed up or signed in: `sessionReplaced`),
 * it subscribes again from scratch: the browser's cookie is the account's now, and the first message is a reset
 * to the account's rows.
 */
export function followFeed(
  client: TRPCClient<SyncClientRouter>,
  store: Pick<
    SyncStore,
    | 'version'
    | 'clientId'
    | 'userId'
    | 'applyMessage'
    | 'setConnectionState'
    | 'schemaVersion'
    | 'restoring'
    | 'markOutdated'
  >,
  options: FollowFeedOptions = {},
): () => void {
  let subscription: { unsubscribe(): void } | null = null;
  let stopped = false;
  let retry: ReturnType<typeof setTimeout> | null = null;
  // While following a replaced session: how many times the new subscription was refused so far. The feed can end
  // before the browser has the account's cookie (the sign-up's answer is still on its way), and a subscription with
  // the old cookie is refused (401): it tries again, a little later each time, until the cookie has arrived.
  let following: number | null = null;
  const subscribe = (fromScratch: boolean) => {
    retry = null;
    // A store restoring carried mutations starts from a reset: its snapshot says which ids the server applied.
    const lastEventId = fromScratch || store.restoring ? null : String(store.version);
    // The version the stream has sent up to: the link resumes a dropped stream from its last event, so each message
    // follows the one before it.
    let after = lastEventId === null ? null : Number(lastEventId);
    subscription = client.sync.changes.subscribe(
      {
        lastEventId,
        clientId: store.clientId,
        userId: store.userId,
        schemaVersion: store.schemaVersion,
      },
      {
        onData: (event) => {
          following = null;
          const message = event.data;
          options.onMessage?.(message, after);
          after = message.type === 'reset' ? message.snapshot.version : message.version;
          store
            .applyMessage(message)
            .catch((error: unknown) => console.error('[sync] bad feed message', error));
        },
        onConnectionStateChange: (state) => {
          if (state.state === 'pending') store.setConnectionState('live');
          // With an error: the connection dropped, failed or went silent (a timeout); without: the first connect.
          else if (state.state === 'connecting')
            store.setConnectionState(state.error ? 'reconnecting' : 'connecting');
        },
        onError: (error) => {
          // A deploy changed the schema version: the server ended the feed; the page should reload.
          const mismatch = schemaVersionMismatchOf(error);
          if (mismatch) {
            store.markOutdated(mismatch);
            return;
          }
          const unauthorized = error.data?.code === 'UNAUTHORIZED';
          // The session's guest became an account: follow it (the cookie now names the account).
          if (sessionReplacedOf(error)) following = 0;
          // (Refused with 401, the EventSource closes: the error then carries no tRPC code, so any error counts.)
          else if (following !== null && following < FOLLOW_ATTEMPTS) following++;
          else following = null;
          if (following !== null) {
            store.setConnectionState('reconnecting');
            if (!stopped)
              retry = setTimeout(() => subscribe(true), following === 0 ? 0 : followDelayMs(following));
            return;
          }
          console.error('[sync] change feed failed:', error.message);
          // Revoked, expired or signed out: no feed until the page has a session again.
          store.setConnectionState(unauthorized ? 'signed-out' : 'reconnecting');
        },
      },
    );
  };
  subscribe(false);
  return () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    subscription?.unsubscribe();
  };
}

export interface FollowFeedOptions {
  /**
   * Called with each message as it arrives, and `after`: the version the stream had sent up to before it (null
   * before the first message of a stream that started from scratch). A `changes` message holds everything the
   * user may see in (after, message.version]. framework/client/shared-feed.ts relays them to other tabs.
   */
  onMessage?(message: SyncMessage, after: number | null): void;
}

/**
 * Refusals tolerated while following a replaced session: 0.2, 0.4, 0.8, then every second, ≈ 50 s in all for the
 * cookie to arrive. Capped at a second: the cookie usually lands within one or two (the answer of the sign-in that
 * ended the feed), and a tab that waited 6 or 12 s for its next try would show the guest's rows that long.
 */
const FOLLOW_ATTEMPTS = 50;

function followDelayMs(attempt: number): number {
  return Math.min(1_000, 100 * 2 ** attempt);
}
