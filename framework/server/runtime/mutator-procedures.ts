/**
 * Turns the mutator registry into tRPC mutations: `mutators.<name>` for every registered mutator, typed from its
 * zod schema. Validation happens in the executor (not in tRPC's input parser) so that a rejected mutation can still
 * consume its mutation id; the parser below only carries the type.
 */
import 'server-only';
import { setTimeout as sleep } from 'node:timers/promises';
import { mutators, type MutatorName, type Mutators } from '@/mutators/registry';
import type { MutatorInput } from '../../shared/define-mutator';
import { router, userProcedure } from '../trpc';
import { executeMutation, type MutationRequest } from './executor';

function mutatorProcedure<TName extends MutatorName>(name: TName) {
  return userProcedure
    .input((raw: unknown) => raw as MutationRequest<MutatorInput<Mutators[TName]>>)
    .mutation(async ({ ctx, input }) => {
      // Tests (and only tests, see ALLOW_TEST_DELAY) slow the server down to observe optimistic updates.
      if (ctx.testDelayMs > 0) await sleep(ctx.testDelayMs);
      return executeMutation(ctx.runtime, ctx.user.id, name, input);
    });
}

type MutatorProcedures = { [TName in MutatorName]: ReturnType<typeof mutatorProcedure<TName>> };

function buildProcedures(): MutatorProcedures {
  const procedures: Partial<Record<MutatorName, unknown>> = {};
  for (const name of Object.keys(mutators) as MutatorName[]) procedures[name] = mutatorProcedure(name);
  return procedures as MutatorProcedures;
}

/** `mutators.<name>`: one mutation per registered mutator. */
export const mutatorsRouter = router(buildProcedures());
