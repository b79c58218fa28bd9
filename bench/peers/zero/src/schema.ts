/**
 * Zero's client schema over the project's own `todos` table (a subset of its columns, as Zero allows), plus the
 * shared query and mutator of the arm. Run by Node's type stripping on the server and bundled by esbuild for the
 * page.
 */
import {
  boolean,
  createBuilder,
  createSchema,
  defineMutator,
  defineMutators,
  defineQueries,
  defineQuery,
  number,
  string,
  table,
  type Transaction,
} from '@rocicorp/zero';
import { z } from 'zod';

const todos = table('todos')
  .columns({
    id: string(),
    ownerId: string().from('owner_id'),
    text: string(),
    completed: boolean(),
    position: number(),
  })
  .primaryKey('id');

export const schema = createSchema({ tables: [todos] });
export const zql = createBuilder(schema);

/** Who is asking: the visitor's cookie on the server, the same id on the client. */
export interface Context {
  userID: string;
}

export const queries = defineQueries({
  myTodos: defineQuery(({ ctx }: { ctx: Context }) =>
    zql.todos.where('ownerId', ctx.userID).orderBy('position', 'asc'),
  ),
});

export const mutators = defineMutators({
  setTodoCompleted: defineMutator(
    z.object({ id: z.string(), completed: z.boolean() }),
    async ({
      tx,
      args,
      ctx,
    }: {
      tx: Transaction<typeof schema>;
      args: { id: string; completed: boolean };
      ctx: Context;
    }) => {
      // The authority check runs where it counts (the app checks ownership too): on the server, before writing.
      if (tx.location === 'server') {
        const row = await tx.run(zql.todos.where('id', args.id).one());
        if (!row || row.ownerId !== ctx.userID) throw new Error('no such todo');
      }
      await tx.mutate.todos.update({ id: args.id, completed: args.completed });
    },
  ),
});
