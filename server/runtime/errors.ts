/**
 * How failures inside a mutator become what callers see: a tRPC error with a code and a message. Anything that is
 * not a deliberate {@link MutatorError} or input error is reported as INTERNAL_SERVER_ERROR without its details.
 */
import 'server-only';
import { TRPCError } from '@trpc/server';
import { ZodError, ZodRealError } from 'zod';
import { MutatorError } from '@/mutators/define';

/** The stored form of a failure (kept with the consumed mutation id, replayed on a retry). */
export interface StoredError {
  code: TRPCError['code'];
  message: string;
}

export function toStoredError(error: unknown): StoredError {
  if (error instanceof MutatorError) return { code: error.code, message: error.message };
  if (error instanceof TRPCError) return { code: error.code, message: error.message };
  if (error instanceof ZodError) return { code: 'BAD_REQUEST', message: error.message };
  return {
    code: 'INTERNAL_SERVER_ERROR',
    message: 'The operation failed on the server (see the server log)',
  };
}

export function toTRPCError(error: unknown): TRPCError {
  if (error instanceof TRPCError) return error;
  if (error instanceof ZodError) {
    // safeParse's ZodError is not an Error subclass (zod 4 keeps it light); TRPCError would replace it with an
    // opaque cause and the error formatter could not report the issues. ZodRealError is the Error-based twin.
    const cause = error instanceof Error ? error : new ZodRealError((error as ZodError).issues);
    return new TRPCError({ code: 'BAD_REQUEST', message: 'Invalid input', cause });
  }
  const stored = toStoredError(error);
  return new TRPCError({ code: stored.code, message: stored.message, cause: error });
}

/** Prefixes every issue's path, so `text` inside the mutation's `args` is reported as `args.text`. */
export function prefixIssues(error: ZodError, prefix: string): ZodError {
  return new ZodRealError(error.issues.map((issue) => ({ ...issue, path: [prefix, ...issue.path] })));
}
