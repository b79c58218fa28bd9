/**
 * The Zero peer's page: `useQuery` over a synced query, a custom mutator on the checkbox (applied locally at once,
 * then pushed through zero-cache to the API server). The DOM follows the app's conventions where the bench looks.
 * Zero sends mutations over its WebSocket, not as HTTP requests, so the page reports each server confirmation
 * (`mutate(…).server` settling) on `window.__benchConfirm` for bench/data-path/*.
 */
import { useConnectionState, useQuery, useZero, ZeroProvider } from '@rocicorp/zero/react';
import { createRoot } from 'react-dom/client';
import { mutators, queries, schema } from './schema.ts';

declare const __CACHE_URL__: string;
type ConfirmWindow = Window & { __benchConfirm?: { count: number; lastAt: number } };

function Todos({ userID }: { userID: string }) {
  const zero = useZero();
  const connection = useConnectionState();
  const [todos, details] = useQuery(queries.myTodos());
  const live = connection.name === 'connected' && details.type === 'complete';
  return (
    <main>
      <span data-testid="connection" data-state={live ? 'live' : connection.name}>
        {connection.name} {userID}
      </span>
      <ul>
        {todos.map((todo) => (
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
              onChange={(event) => {
                const result = zero.mutate(
                  mutators.setTodoCompleted({ id: todo.id, completed: event.target.checked }),
                );
                void result.server.then(() => {
                  const w = window as ConfirmWindow;
                  w.__benchConfirm ??= { count: 0, lastAt: 0 };
                  w.__benchConfirm.count += 1;
                  w.__benchConfirm.lastAt = performance.timeOrigin + performance.now();
                });
              }}
            />
            {todo.text}
          </li>
        ))}
      </ul>
    </main>
  );
}

const userID = /(?:^|;\s*)peer_uid=([0-9a-f-]{36})/.exec(document.cookie)?.[1];
const root = document.getElementById('root');
if (root && userID) {
  createRoot(root).render(
    <ZeroProvider
      userID={userID}
      cacheURL={__CACHE_URL__}
      schema={schema}
      mutators={mutators}
      context={{ userID }}
    >
      <Todos userID={userID} />
    </ZeroProvider>,
  );
}
