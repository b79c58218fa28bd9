'use client';
import { useIsMutating, useMutation, useSuspenseQuery } from '@tanstack/react-query';
import { useTRPC } from '@/client/react';
import { TodoListView } from './todo-list-view';

/**
 * The todo list written the React Query way: the usual `useSuspenseQuery` / `useMutation` of the tRPC options
 * proxy. The framework's syncLink runs each mutation on the sync store (optimistic in the same frame, sent in
 * order) and settles it when the server's commit reaches this tab, so `isPending` means "not saved yet" and a
 * refusal sets `error` after rolling back. The rows come from the store, never refetched over the network.
 */
export function TodoAppQuery() {
  const trpc = useTRPC();
  const { data: todos } = useSuspenseQuery(trpc.sync.rows.todos.queryOptions());
  const addTodo = useMutation(trpc.mutators.addTodo.mutationOptions());
  const clearCompleted = useMutation(trpc.mutators.clearCompleted.mutationOptions());
  const setTodoText = useMutation(trpc.mutators.setTodoText.mutationOptions());
  const setTodoCompleted = useMutation(trpc.mutators.setTodoCompleted.mutationOptions());
  const moveTodo = useMutation(trpc.mutators.moveTodo.mutationOptions());
  const deleteTodo = useMutation(trpc.mutators.deleteTodo.mutationOptions());
  // Any mutator of this tab still waiting for the server's commit.
  const saving = useIsMutating({ mutationKey: trpc.mutators.pathKey() }) > 0;
  const failed = [addTodo, clearCompleted, setTodoText, setTodoCompleted, moveTodo, deleteTodo].find(
    (mutation) => mutation.error !== null,
  );

  return (
    <TodoListView
      todos={todos}
      addTodo={(args) => addTodo.mutate({ args })}
      clearCompleted={() => clearCompleted.mutate({ args: {} })}
      itemActions={{
        setTodoText: (args) => setTodoText.mutate({ args }),
        setTodoCompleted: (args) => setTodoCompleted.mutateAsync({ args }),
        moveTodo: (args) => moveTodo.mutate({ args }),
        deleteTodo: (args) => deleteTodo.mutate({ args }),
      }}
      status={
        <p className="list-status" aria-live="polite">
          {saving && <span data-testid="list-saving">Saving…</span>}
          {failed?.error && (
            <span role="alert" data-testid="list-error">
              Not saved: {failed.error.message}
            </span>
          )}
        </p>
      }
      footnote={
        <>
          Written with React Query&apos;s <code>useQuery</code> / <code>useMutation</code> ·{' '}
          <a href="/">hooks version</a>
        </>
      }
    />
  );
}
