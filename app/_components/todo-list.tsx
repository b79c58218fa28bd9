'use client';
import { useSuspenseQuery } from '@tanstack/react-query';
import { useTRPC } from '@/client/react';

export function TodoList() {
  const trpc = useTRPC();
  // Suspense-free in practice: the server prefetched this query, so the data is here on the first render.
  const { data: todos } = useSuspenseQuery(trpc.todos.list.queryOptions());
  const done = todos.filter((todo) => todo.completed).length;

  if (todos.length === 0) {
    return <p className="empty">Nothing to do. Enjoy the quiet.</p>;
  }
  return (
    <section className="card" aria-labelledby="todo-heading">
      <div className="card-header">
        <h2 id="todo-heading">Your list</h2>
        <span className="count" data-testid="todo-count">
          {done} of {todos.length} done
        </span>
      </div>
      <ul className="todos" data-testid="todo-list">
        {todos.map((todo) => (
          <li key={todo.id} className={todo.completed ? 'todo done' : 'todo'} data-testid="todo-item">
            <span className="check" aria-hidden="true">
              {todo.completed ? '✓' : ''}
            </span>
            <span className="text">{todo.text}</span>
            <span className="sr-only">{todo.completed ? '(done)' : '(open)'}</span>
            <time className="when" dateTime={todo.createdAt.toISOString()}>
              {todo.createdAt.toISOString().slice(0, 10)}
            </time>
          </li>
        ))}
      </ul>
    </section>
  );
}
