/**
 * Keeps a store live over the change feed (`sync.changes`, SSE): applies its messages and reports the connection.
 * The server pings idle streams and tells the link to reconnect after a silence (framework/server/trpc.ts SSE_KEEPALIVE), so a
 * connection that died without closing turns into 'reconnecting' within seconds, then resumes from the last event.
 */
import type { TRPCClient } from '@trpc/client';
import type { SyncClientRouter } from '../server/routers/sync';
import type { SyncStore } from './store';
import { schemaVersionMismatchOf } from './trpc-transport';

/** Subscribes `store` to its user's change feed from the store's version; returns the unsubscribe. */
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
  const subscription = client.sync.changes.subscribe(
    {
      // A store restoring carried mutations starts from a reset: its snapshot says which ids the server applied.
      lastEventId: store.restoring ? null : String(store.version),
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
        console.error('[sync] change feed failed:', error.message);
        store.setConnectionState('reconnecting');
      },
    },
  );
  return () => subscription.unsubscribe();
}
