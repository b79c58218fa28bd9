/**
 * The error a mutator throws on purpose, shared by the browser's store and the server's executor. Its own module so
 * that the store loads it without define-mutator.ts, which sets up zod for the mutators' schemas: the browser loads
 * those with the mutators, after the first paint (issue 17).
 */

/** Marks a {@link MutatorError}; `Symbol.for` so that every copy of this module shares it. */
const MUTATOR_ERROR = Symbol.for('trpc-actions-starter.MutatorError');

/** An error a mutator throws on purpose; its code becomes the tRPC error code the caller sees. */
export class MutatorError extends Error {
  readonly [MUTATOR_ERROR] = true;

  constructor(
    readonly code: 'BAD_REQUEST' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT',
    message: string,
  ) {
    super(message);
    this.name = 'MutatorError';
  }

  /**
   * `instanceof` by brand, not by class identity: Next's server build can hold two instances of this module (the
   * app's mutators in one chunk, the executor in another; seen in `next build` with Turbopack), and a refusal the
   * executor did not recognize became INTERNAL_SERVER_ERROR instead of, say, NOT_FOUND.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && MUTATOR_ERROR in value;
  }
}

/** The error of `insert` when the id is taken, the same in the browser and on the server. */
export function conflict(table: string, id: string): MutatorError {
  return new MutatorError('CONFLICT', `A ${table} row with id ${id} already exists`);
}
