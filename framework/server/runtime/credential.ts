/**
 * What a long-lived stream needs of the credential that opened it (docs/architecture.md rule 11): the app's
 * authentication makes the watch (e.g. re-checking an API token), the change stream ends when it says so.
 */
import 'server-only';
import { TRPCError } from '@trpc/server';

/** A stream's view of its credential. */
export interface CredentialWatch {
  /** False for a credential that cannot be revoked (a session cookie): a stream need not re-check it per batch. */
  readonly revocable: boolean;
  /** Aborted once the credential is found revoked (never for a session cookie, which cannot be revoked today). */
  readonly revoked: AbortSignal;
  /** Checks the database now (before sending a batch); false once the credential is gone. */
  stillValid(): Promise<boolean>;
  /** Stops the timer and the in-process subscription; call when the stream ends. */
  close(): void;
}

/**
 * How a stream ends when its credential is revoked. UNAUTHORIZED is not retryable: the client's link gives up (a
 * reconnect with the same token would get 401 anyway).
 */
export class CredentialRevokedError extends TRPCError {
  constructor() {
    super({ code: 'UNAUTHORIZED', message: 'The credential of this stream was revoked.' });
  }
}
