'use client';
import { useMutate, useRows } from '@/client/sync';
import { TodoListView } from './todo-list-view';

/**
 * The todo list written with the store's own hooks: `useRows` reads, `useMutate()` changes (fire and forget; a
 * refusal rolls back and reaches the toaster). Shown at `/` (and `/?list=hooks`); todo-app-query.tsx is the same list
 * written the React Query way (the default).
 */
export function TodoApp() {
  const todos = useRows('todos');
  const mutate = useMutate();
  return (
    <TodoListView
      todos={todos}
      addTodo={mutate.addTodo}
      clearCompleted={() => mutate.clearCompleted({})}
      itemActions={mutate}
      footnote={
        <>
          Written with <code>useRows</code> / <code>useMutate</code> ·{' '}
          <a href="/?list=query">React Query version</a>
        </>
      }
    />
  );
}
