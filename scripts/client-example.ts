/**
 * `npm run client:example [base-url]`: lists todos from a running server through the typed client.
 * Start the app first (`npm run dev`); the base URL defaults to http://localhost:3000.
 */
import { createClient } from '@/client/create-client';

async function main() {
  const url = process.argv[2] ?? process.env.APP_URL ?? 'http://localhost:3000';
  const client = createClient({ url });
  // Fully typed: `todos` is the same type as the procedure's return value on the server.
  const todos = await client.todos.list.query();
  console.log(`${todos.length} todos from ${url} (a new anonymous user, so these are the welcome todos):`);
  for (const todo of todos) console.log(`  [${todo.completed ? 'x' : ' '}] ${todo.text}`);
}

main().catch((error: unknown) => {
  console.error(`Could not list todos: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
