/**
 * The store's transport over the app's tRPC client: `mutators.<name>` mutations.
 */
import { TRPCClientError, type TRPCClient } from '@trpc/client';
import type { MutationIdState, SchemaVersionMismatch } from '../shared/sync-protocol';
import type { SyncClientRouter } from '../server/routers/sync';
import { SchemaVersionRefusal, ServerRefusal, TransportError, type SyncTransport } from './store';
import { STORE_SEND_CONTEXT } from './sync-link';

/** Statuses that mean "the server (or a proxy in front of it) is not answering right now": retry. */
const RETRYABLE_STATUS = new Set([502, 503, 504]);

const NOT_CONSUMED: MutationIdState = { consumed: false, expectedMutationId: null };

type MutateFn = (request: unknown, options: { context: Record<string, unknown> }) => Promise<unknown>;

/** The part of the server's error data (framework/server/trpc.ts errorFormatter) the store acts on. */
interface MutationErrorData {
  code?: string;
  httpStatus?: number;
  mutation?: MutationIdState | null;
  schemaVersion?: SchemaVersionMismatch | null;
  sessionReplaced?: boolean;
}

/** The server's schema-version refusal in a tRPC error (mutation or subscription), or null. */
export function schemaVersionMismatchOf(error: unknown): SchemaVersionMismatch | null {
  if (!(error instanceof TRPCClientError)) return null;
  const data = error.data as MutationErrorData | undefined;
  return data?.schemaVersion ?? null;
}

/** Whether a tRPC error ended a feed because its session now belongs to another user (a guest signed in). */
export function sessionReplacedOf(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return false;
  return (error.data as MutationErrorData | undefined)?.sessionReplaced === true;
}

export function createTrpcTransport(client: TRPCClient<SyncClientRouter>): SyncTransport {
  const procedures = client.mutators as unknown as Record<string, { mutate: MutateFn }>;
  return {
    async mutate(name, request) {
      try {
        // Flagged so that the app's syncLink lets it through to the network instead of back into the store.
        return await procedures[name]?.mutate(request, { context: { [STORE_SEND_CONTEXT]: true } });
      } catch (error) {
        // No tRPC error body at all means the request never got a server answer (network down, server restarting).
        if (error instanceof TRPCClientError) {
          const data = error.data as MutationErrorData | undefined;
          // First: a server of another version may not know the mutator at all (its NOT_FOUND is not final here).
          if (data?.schemaVersion)
            throw new SchemaVersionRefusal(data.schemaVersion, error.message, { cause: error });
          if (data?.mutation) {
            throw new ServerRefusal(data.code ?? 'INTERNAL_SERVER_ERROR', error.message, data.mutation, {
              cause: error,
            });
          }
          // Refused before the executor ran (no session): nothing was written, the id is free. The store decides
          // whether to send it again (store.ts mayPass: a guest that just became an account).
          if (data?.code === 'UNAUTHORIZED') {
            throw new ServerRefusal('UNAUTHORIZED', error.message, NOT_CONSUMED, { cause: error });
          }
          if (data?.httpStatus === undefined || RETRYABLE_STATUS.has(data.httpStatus)) {
            throw new TransportError(error.message, { cause: error });
          }
        }
        throw error;
      }
    },
  };
}
