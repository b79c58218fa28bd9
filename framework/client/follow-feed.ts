/**
 * Keeps a store live over the change feed (`sync.changes`, SSE): applies its messages and reports the connection.
 * The server pings idle streams and tells the link to reconnect after a silence (framework/server/trpc.ts SSE_KEEPALIVE), so a
 * connection that died without closing turns into 'reconnecting' within seconds, then resumes from the last event.
 */
import type { TRPCClient } from '@trpc/client';
import type { SyncClientRouter } from '../server/routers/sync';
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
    | 'applyMessage'
    | 'setConnectionState'
    | 'schemaVersion'
    | 'restoring'
    | 'markOutdated'
  >,
): () => void {
  let subscription: { unsubscribe(): void } | null = null;
  let stopped = false;
  const subscribe = (fromScratch: boolean) => {
    subscription = client.sync.changes.subscribe(
      {
        // A store restoring carried mutations starts from a reset: its snapshot says which ids the server applied.
        lastEventId: fromScratch || store.restoring ? null : String(store.version),
        clientId: store.clientId,
        schemaVersion: store.schemaVersion,
      },
      {
        onData: (event) => {
          store
            .applyMessage(event.data)
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
          // The session's guest became an account: follow it (the cookie now names the account).
          if (sessionReplacedOf(error)) {
            if (!stopped) subscribe(true);
            return;
          }
          console.error('[sync] change feed failed:', error.message);
          // Revoked, expired or signed out: no feed until the page has a session again.
          store.setConnectionState(error.data?.code === 'UNAUTHORIZED' ? 'signed-out' : 'reconnecting');
        },
      },
    );
  };
  subscribe(false);
  return () => {
    stopped = true;
    subscription?.unsubscribe();
  };
}
