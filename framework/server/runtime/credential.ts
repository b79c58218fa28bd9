/**
 * What a long-lived stream needs of the credential that opened it (docs/architecture.md rule 11): the app's
 * authentication makes the watch (e.g. re-checking an API token), the change stream ends when it says so.
 */
import 'server-only';
import { TRPCError } from '@trpc/server';

/** A stream's view of its credential. */
export interface CredentialWatch {
  /** False for a credential that cannot be revoked: a stream need not re-check it per batch. */
  readonly revocable: boolean;
  /**
   * Aborted once the credential is found revoked or expired. Its `reason` may be a {@link CredentialReplacedError}
   * (the session's user became another: a guest signed in), which the stream ends with instead of a revocation.
   */
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

/**
 * How a stream ends when its session's user was merged into another (a guest signed up or signed in: its rows moved
 * to the account, docs/accounts.md). Not a revocation: the browser's cookie is now the account's session, so the
 * client subscribes again from scratch (`data.sessionReplaced`) and gets the account's snapshot.
 */
export class CredentialReplacedError extends TRPCError {
  /** Marks the error for the error formatter (`data.sessionReplaced`). */
  readonly sessionReplaced = true;
  constructor() {
    super({ code: 'UNAUTHORIZED', message: 'This session now belongs to another user: subscribe again.' });
  }
}
