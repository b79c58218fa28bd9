/**
 * The create-t3-app way, client side: React Query through tRPC's TanStack integration. A checkbox runs
 * `useMutation` with the documented optimistic update (`onMutate`: cancel, snapshot, set; `onError`: restore;
 * `onSettled`: invalidate), and a tRPC subscription invalidates the list when another tab commits. The DOM
 * matches the app's where the bench looks (data-testid, data-id, the `done` class, `input.check`, the
 * connection badge), so bench/data-path/* measures both with the same code.
 */
import {
  QueryClient,
  QueryClientProvider,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { createTRPCContext, useSubscription } from '@trpc/tanstack-react-query';
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import superjson from 'superjson';
import type { AppRouter, TodoRow } from './router.ts';

const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

function Todos() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const listKey = trpc.todo.list.queryKey();
  const list = useQuery(trpc.todo.list.queryOptions());
  const setCompleted = useMutation(
    trpc.todo.setTodoCompleted.mutationOptions({
      onMutate: async (input) => {
        await queryClient.cancelQueries({ queryKey: listKey });
        const previous = queryClient.getQueryData(listKey);
        queryClient.setQueryData(listKey, (old) =>
          old?.map((todo) => (todo.id === input.id ? { ...todo, completed: input.completed } : todo)),
        );
        return { previous };
      },
      onError: (_error, _input, context) => queryClient.setQueryData(listKey, context?.previous),
      onSettled: () => queryClient.invalidateQueries({ queryKey: listKey }),
    }),
  );
  const changes = useSubscription(
    trpc.todo.onChange.subscriptionOptions(undefined, {
      onData: () => void queryClient.invalidateQueries({ queryKey: listKey }),
    }),
  );
  return (
    <main>
      <span data-testid="connection" data-state={changes.status === 'pending' ? 'live' : changes.status}>
        {changes.status}
      </span>
      <ul>
        {(list.data ?? []).map((todo: TodoRow) => (
          <li
            key={todo.id}
            className={todo.completed ? 'todo done' : 'todo'}
            data-testid="todo-item"
            data-id={todo.id}
          >
            <input
              type="checkbox"
              className="check"
              checked={todo.completed}
              onChange={(event) => setCompleted.mutate({ id: todo.id, completed: event.target.checked })}
            />
            {todo.text}
          </li>
        ))}
      </ul>
    </main>
  );
}

function App() {
  const [queryClient] = useState(
    () => new QueryClient({ defaultOptions: { queries: { staleTime: 30_000 } } }),
  );
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => op.type === 'subscription',
          true: httpSubscriptionLink({ url: '/api/trpc', transformer: superjson }),
          // httpBatchLink, not create-t3-app's httpBatchStreamLink: its response starts only after the commit,
          // as the app's does, so "A response → B DOM" means the same thing for both arms.
          false: httpBatchLink({ url: '/api/trpc', transformer: superjson }),
        }),
      ],
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <Todos />
      </TRPCProvider>
    </QueryClientProvider>
  );
}

const root = document.getElementById('root');
if (root) createRoot(root).render(<App />);
