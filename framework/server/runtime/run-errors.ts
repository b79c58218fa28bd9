/**
 * What a failed run's synced `error` column says. It reaches the owner's browsers through the change feed, so an
 * unexpected exception (a provider's or a driver's message, which can quote keys, SQL or its parameters) is
 * reported in our own words and logged in full here; a deliberate error keeps the message we wrote.
 */
import 'server-only';
import { TRPCError } from '@trpc/server';
import { toTRPCError } from './errors';

export const UNEXPECTED_RUN_ERROR = 'The action failed on the server (see the server log)';

export function runErrorText(runId: string, error: unknown): string {
  const trpcError = toTRPCError(error);
  if (trpcError.code !== 'INTERNAL_SERVER_ERROR') return trpcError.message;
  // The executor has logged what an action threw (and rethrown it as a TRPCError); anything else is logged here.
  if (!(error instanceof TRPCError)) console.error(`[queue] run ${runId} failed:`, error);
  return UNEXPECTED_RUN_ERROR;
}
