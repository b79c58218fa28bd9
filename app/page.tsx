import { ActionsPanel } from './_components/actions-panel';
import { SiteHeader } from './_components/site-header';
import { TodoApp } from './_components/todo-app';

export default function HomePage() {
  return (
    <main className="page">
      <SiteHeader
        title="Todos"
        lede="Every change runs at once in your browser, commits on the server in one transaction, and streams live to every open tab."
      />
      <TodoApp />
      <ActionsPanel />
    </main>
  );
}
