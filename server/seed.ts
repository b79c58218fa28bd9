/**
 * The example app's starting data for a new user: a few todos that point at where to go next.
 */
import 'server-only';
import type { Db } from '@/framework/server';
import { todos } from '@/db/schema';

/** Shown to every new user, in this order. */
export const WELCOME_TODOS = [
  'Read the architecture section of the README',
  'Open server/routers/todos.ts to see a typed procedure',
  'Run the tests with npm test',
  'Call the API from a script: npm run client:example',
] as const;

/** Anything that can run queries: the database or an open transaction. */
type Queryable = Pick<Db, 'insert'>;

export async function seedNewUser(db: Queryable, userId: string): Promise<void> {
  await db.insert(todos).values(
    WELCOME_TODOS.map((text, index) => ({
      id: crypto.randomUUID(),
      ownerId: userId,
      text,
      completed: index === 0,
      position: index + 1,
    })),
  );
}
