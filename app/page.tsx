import { ActionsPanel } from './_components/actions-panel';
import { SiteHeader } from './_components/site-header';
import { TodoApp } from './_components/todo-app';
import { TodoAppQuery } from './_components/todo-app-query';

/**
 * `?list=query` shows the list written the React Query way; by default it is written with the store's hooks, whose
 * controlled inputs re-render inside the event (React Query notifies its observers a task later).
 */
export default async function HomePage({ searchParams }: { searchParams: Promise<{ list?: string }> }) {
  const { list } = await searchParams;
  return (
    <main className="page">
      <SiteHeader
        title="Todos"
        lede="Every change runs at once in your browser, commits on the server in one transaction, and streams live to every open tab."
      />
      {list === 'query' ? <TodoAppQuery /> : <TodoApp />}
      <ActionsPanel />
    </main>
  );
}
