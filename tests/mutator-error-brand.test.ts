/**
 * A MutatorError thrown by a second copy of framework/shared/define-mutator.ts (Next's server build bundled two:
 * the app's mutators in one chunk, the executor in another) still keeps its code: a NOT_FOUND refusal must not
 * reach the client as INTERNAL_SERVER_ERROR.
 */
import { describe, expect, it } from 'vitest';
import { MutatorError } from '@/framework/shared';
import { toStoredError } from '@/framework/server/runtime/errors';

/** What an instance of the other copy's class looks like from here: same brand, different class. */
const BRAND: unique symbol = Symbol.for('trpc-actions-starter.MutatorError') as never;

function fromAnotherCopy(code: MutatorError['code'], message: string): Error {
  class MutatorErrorCopy extends Error {
    readonly [BRAND] = true;
    constructor(
      readonly code: MutatorError['code'],
      message: string,
    ) {
      super(message);
      this.name = 'MutatorError';
    }
  }
  return new MutatorErrorCopy(code, message);
}

describe('MutatorError across module copies', () => {
  it('is recognized by its brand, and keeps its code and message', () => {
    const error = fromAnotherCopy('NOT_FOUND', 'No todo with id 1');
    expect(error instanceof MutatorError).toBe(true);
    expect(toStoredError(error)).toEqual({ code: 'NOT_FOUND', message: 'No todo with id 1' });
  });

  it('a plain error (or one that only borrows the name) is not one: its details stay hidden', () => {
    const impostor = Object.assign(new Error('secret detail'), { name: 'MutatorError', code: 'NOT_FOUND' });
    expect(impostor instanceof MutatorError).toBe(false);
    expect(toStoredError(impostor).code).toBe('INTERNAL_SERVER_ERROR');
    expect(new MutatorError('CONFLICT', 'taken') instanceof MutatorError).toBe(true);
  });
});
