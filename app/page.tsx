import { HydrateClient, prefetch, trpc } from '@/server/rsc';
import { TodoList } from './_components/todo-list';

export default async function HomePage() {
  // Rendered on the server with the user's todos already in the HTML; the client list hydrates from the same data.
  await prefetch(trpc.todos.list.queryOptions());
  return (
    <main className="page">
      <header className="page-header">
        <p className="eyebrow">tRPC Actions Starter</p>
        <h1>Todos</h1>
        <p className="lede">
          Server-rendered through a typed tRPC procedure from an embedded Postgres, then hydrated in the
          browser.
        </p>
      </header>
      <HydrateClient>
        <TodoList />
      </HydrateClient>
    </main>
  );
}
