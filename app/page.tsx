import { ConnectionBadge } from './_components/connection-badge';
import { ActionsPanel } from './_components/actions-panel';
import { TodoApp } from './_components/todo-app';

export default function HomePage() {
  return (
    <main className="page">
      <header className="page-header">
        <div className="header-row">
          <p className="eyebrow">tRPC Actions Starter</p>
          <ConnectionBadge />
        </div>
        <h1>Todos</h1>
        <p className="lede">
          Every change runs at once in your browser, commits on the server in one transaction, and streams
          live to every open tab.
        </p>
      </header>
      <TodoApp />
      <ActionsPanel />
    </main>
  );
}
