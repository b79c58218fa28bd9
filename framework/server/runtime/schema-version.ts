/**
 * The schema-version check of the client-facing calls (mutations and the feed subscription). A browser sends the
 * version it was built with (`createSyncReact({ schemaVersion })`); a server that runs another one refuses the call
 * with PRECONDITION_FAILED and `data.schemaVersion = { client, server }` (framework/server/trpc.ts errorFormatter),
 * before anything is read or written: the mutation id stays free, so the same change can be sent again after the
 * reload. A call without a version (a script, the typed client, an action's `ctx.mutate`) is not checked: a script
 * has no cached code to be stale, and its input is validated against the server's mutators as always.
 */
import 'server-only';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { SchemaVersionMismatch } from '../../shared/sync-protocol';

/** What a client may declare: a non-negative integer (absent: not checked). */
export const schemaVersionInput = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** The cause of a refusal for a schema-version mismatch: what the error formatter turns into `data.schemaVersion`. */
export class SchemaVersionMismatchError extends Error implements SchemaVersionMismatch {
  constructor(
    readonly client: number,
    readonly server: number,
  ) {
    super(
      `This page was built for schema version ${client}; the server runs version ${server}. ` +
        'Reload the page to get the new version.',
    );
    this.name = 'SchemaVersionMismatchError';
  }
}

/** `data.schemaVersion` of a formatted tRPC error: set when the error (or its cause) is a version mismatch. */
export function schemaVersionOf(error: TRPCError): SchemaVersionMismatch | null {
  const cause = error.cause;
  return cause instanceof SchemaVersionMismatchError ? { client: cause.client, server: cause.server } : null;
}

/**
 * Throws PRECONDITION_FAILED when `declared` is a version other than `server`; passes when it is absent. A declared
 * value that is not a version at all is a BAD_REQUEST naming the field.
 */
export function assertSchemaVersion(declared: unknown, server: number, field = 'schemaVersion'): void {
  if (declared === undefined) return;
  const parsed = schemaVersionInput.safeParse(declared);
  if (!parsed.success)
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `${field}: must be a non-negative integer (the schema version the client was built with)`,
    });
  if (parsed.data === server) return;
  const mismatch = new SchemaVersionMismatchError(parsed.data, server);
  throw new TRPCError({ code: 'PRECONDITION_FAILED', message: mismatch.message, cause: mismatch });
}
