/**
 * Turns the app's mutator registry into tRPC mutations: `mutators.<name>` for every mutator but the internal ones,
 * typed from its zod schema. Validation happens in the executor (not in tRPC's input parser) so that a rejected
 * mutation can still consume its mutation id; the parser below only carries the type.
 */
import 'server-only';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AnyMutators, MutatorInput, PublicMutatorName } from '../../shared/define-mutator';
import { router, userProcedure } from '../trpc';
import { executeMutation, type MutationRequest } from './executor';

function mutatorProcedure<TInput>(name: string) {
  return userProcedure
    .input((raw: unknown) => raw as MutationRequest<TInput>)
    .mutation(async ({ ctx, input }) => {
      // Tests (and only tests, see ALLOW_TEST_DELAY) slow the server down to observe optimistic updates.
      if (ctx.testDelayMs > 0) await sleep(ctx.testDelayMs);
      return executeMutation(ctx.runtime, ctx.user.id, name, input);
    });
}

/** The procedure of one mutator that takes `TInput`. */
export type MutatorProcedure<TInput> = ReturnType<typeof mutatorProcedure<TInput>>;

/** `mutators.<name>` of every public mutator of a registry. */
export type MutatorProcedures<TMutators extends AnyMutators> = {
  [TName in PublicMutatorName<TMutators>]: MutatorProcedure<MutatorInput<TMutators[TName]>>;
};

/** `mutators.<name>`: one mutation per public mutator (an `internal: true` one gets none: a client call is 404). */
export function createMutatorsRouter<TMutators extends AnyMutators>(mutators: TMutators) {
  const procedures: Record<string, unknown> = {};
  for (const [name, mutator] of Object.entries(mutators))
    if (!mutator.internal) procedures[name] = mutatorProcedure(name);
  return router(procedures as MutatorProcedures<TMutators>);
}
