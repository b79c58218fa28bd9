/**
 * The arms of the comparison: the same new todo, sent three ways.
 *   bare insert        bench.bareInsert: one drizzle insert, same input schema
 *   addTodo (script)   mutators.addTodo { args }                        as the typed client sends it
 *   addTodo (tab)      mutators.addTodo { args, clientId, mutationId }  as a browser tab's store sends it
 */
import type { BenchClient } from './clients';

export const ARM_NAMES = ['bare insert', 'addTodo (script)', 'addTodo (tab)'] as const;
export type ArmName = (typeof ARM_NAMES)[number];

const newTodo = (seq: number) => ({
  id: crypto.randomUUID(),
  text: `bench ${seq}`,
  position: 1_000 + seq,
  createdAt: new Date(),
});

/** One request of client number `index`; `seq` counts its requests from 1 within this run of the arm. */
export function sendOne(
  arm: ArmName,
  client: BenchClient,
  index: number,
  seq: number,
  run: string,
): Promise<unknown> {
  switch (arm) {
    case 'bare insert':
      return client.bench.bareInsert.mutate(newTodo(seq));
    case 'addTodo (script)':
      return client.mutators.addTodo.mutate({ args: newTodo(seq) });
    case 'addTodo (tab)':
      // A client id per run, because mutation ids must go 1, 2, 3… per client id.
      return client.mutators.addTodo.mutate({
        args: newTodo(seq),
        clientId: `${run}-${index}`,
        mutationId: seq,
      });
  }
}
