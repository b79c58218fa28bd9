/**
 * How failures inside a mutator become what callers see: a tRPC error with a code and a message. Anything that is
 * not a deliberate {@link MutatorError} or input error is reported as INTERNAL_SERVER_ERROR without its details.
 */
import 'server-only';
import { TRPCError } from '@trpc/server';
import { ZodError, ZodRealError, type ZodSafeParseResult } from 'zod';
import { MutatorError } from '../../shared/define-mutator';
import type { MutationIdState } from '../../shared/sync-protocol';

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

/**
 * The error of a mutation call, with what became of its mutation id (the error formatter in framework/server/trpc.ts sends it
 * as `data.mutation`). A TRPCError, so every caller of the executor handles it as before.
 */
export class MutationCallError extends TRPCError {
  readonly mutation: MutationIdState;

  constructor(error: TRPCError, mutation: MutationIdState) {
    // The cause, not the error itself: the formatter reads issues from a ZodError cause and hides unexpected ones.
    super({ code: error.code, message: error.message, cause: error.cause });
    this.stack = error.stack;
    this.mutation = mutation;
  }
}

/** `error` with its mutation-id state (kept as it is when it already has one). */
export function withMutationIdState(error: TRPCError, mutation: MutationIdState): MutationCallError {
  return error instanceof MutationCallError ? error : new MutationCallError(error, mutation);
}

/** Prefixes every issue's path, so `text` inside the mutation's `args` is reported as `args.text`. */
export function prefixIssues(error: ZodError, prefix: string): ZodError {
  return new ZodRealError(error.issues.map((issue) => ({ ...issue, path: [prefix, ...issue.path] })));
}

/**
 * Text PostgreSQL can store: no U+0000 (refused in text and jsonb columns alike) and no unpaired UTF-16 surrogate
 * (refused in jsonb). Input with either must be a 400 naming the field, not a failed query.
 */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && text.isWellFormed();
}

export const UNSTORABLE_TEXT_MESSAGE = 'must be valid Unicode text without NUL (U+0000) characters';

/**
 * The first place in `value` the server cannot take: a string or key that {@link isStorableText} refuses, or (with
 * `maxDepth`) nesting deeper than that (recursive validators would overflow the stack). Iterative, so any input is
 * safe to inspect. Null when there is none.
 */
export function findUnstorable(
  value: unknown,
  maxDepth = Infinity,
): { path: PropertyKey[]; message: string } | null {
  const stack: [unknown, PropertyKey[]][] = [[value, []]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [current, path] = item;
    if (typeof current === 'string') {
      if (!isStorableText(current)) return { path, message: UNSTORABLE_TEXT_MESSAGE };
    } else if (typeof current === 'object' && current !== null) {
      if (path.length >= maxDepth)
        return { path, message: `must not be nested deeper than ${maxDepth} levels` };
      for (const [key, child] of Object.entries(current)) {
        const at = [...path, Array.isArray(current) ? Number(key) : key];
        if (!isStorableText(key)) return { path: at, message: UNSTORABLE_TEXT_MESSAGE };
        stack.push([child, at]);
      }
    }
  }
  return null;
}

/** Turns a successful parse into a failed one naming the field, when a string or key in it cannot be stored. */
export function refuseUnstorableText<TResult extends ZodSafeParseResult<unknown>>(result: TResult): TResult {
  if (!result.success) return result;
  const found = findUnstorable(result.data);
  if (!found) return result;
  const error = new ZodRealError([
    { code: 'custom', path: found.path, message: found.message, input: undefined },
  ]);
  return { success: false, error } as TResult;
}
