'use client';
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { useCopilotProperties } from '@/client/copilot/page-properties';
import type { MutatorInput } from '@/framework/shared';
import type { Mutators } from '@/mutators/registry';
import type { SyncedRows } from '@/mutators/synced-tables';
import { useListPageCopilot } from './todo-copilot-tools';
import { TodoItem, type TodoItemActions } from './todo-item';

/** The todo a link such as the copilot's "Added …" points at (`/#todo-<id>`). */
function hashTodoId(): string | null {
  const match = /^#todo-([0-9a-f-]{36})$/.exec(window.location.hash);
  return match?.[1] ?? null;
}

interface Props {
  /** In the table's declared order (position, then id), as the server lists them. */
  todos: SyncedRows['todos'][];
  addTodo: (args: MutatorInput<Mutators['addTodo']>) => void;
  clearCompleted: () => void;
  itemActions: TodoItemActions;
  /** Shown under the form (the React Query version's saving state and last error). */
  status?: ReactNode;
  /** Which way the list is written: a link to the other one. */
  footnote: ReactNode;
}

/**
 * The todo list's markup, whichever way its data is wired: todo-app.tsx (the store's hooks) and
 * todo-app-query.tsx (React Query's useQuery / useMutation) both render it.
 */
export function TodoListView({ todos, addTodo, clearCompleted, itemActions, status, footnote }: Props) {
  const [text, setText] = useState('');
  const done = todos.filter((todo) => todo.completed).length;
  // The copilot may edit the selected todo (setTodoText is offered only while one is selected).
  const [chosenId, setChosenId] = useState<string | null>(null);
  const selectedTodoId = todos.some((todo) => todo.id === chosenId) ? chosenId : null;
  useCopilotProperties(selectedTodoId ? { selectedTodoId } : {});
  useListPageCopilot({ todos, selectedTodoId, select: setChosenId, fillAddBox: setText });

  // A link to a todo highlights it and scrolls to it (the copilot's "Added …" links; also on arrival).
  const [highlightedId, setHighlightedId] = useState<string | null>(null);
  useEffect(() => {
    const follow = () => setHighlightedId(hashTodoId());
    follow();
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  const highlightedExists = todos.some((todo) => todo.id === highlightedId);
  useEffect(() => {
    if (!highlightedId || !highlightedExists) return;
    document.querySelector(`[data-id="${CSS.escape(highlightedId)}"]`)?.scrollIntoView({ block: 'center' });
  }, [highlightedId, highlightedExists]);

  function add(event: FormEvent) {
    event.preventDefault();
    if (!text.trim()) return;
    const last = todos.at(-1);
    addTodo({ id: crypto.randomUUID(), text, position: (last?.position ?? 0) + 1, createdAt: new Date() });
    setText('');
  }

  return (
    <section className="card" aria-labelledby="todo-heading">
      <div className="card-header">
        <h2 id="todo-heading">Your list</h2>
        <span className="count" data-testid="todo-count">
          {done} of {todos.length} done
        </span>
      </div>
      <form className="add-form" onSubmit={add}>
        <input
          aria-label="New todo"
          placeholder="What needs doing?"
          value={text}
          maxLength={500}
          onChange={(event) => setText(event.target.value)}
        />
        <button type="submit" disabled={!text.trim()}>
          Add
        </button>
      </form>
      {status}
      {todos.length === 0 ? (
        <p className="empty">Nothing to do. Enjoy the quiet.</p>
      ) : (
        <ul className="todos" data-testid="todo-list">
          {todos.map((todo, index) => (
            <TodoItem
              key={todo.id}
              todo={todo}
              previous={todos.slice(Math.max(0, index - 2), index)}
              next={todos.slice(index + 1, index + 3)}
              selected={todo.id === selectedTodoId}
              highlighted={todo.id === highlightedId}
              onSelect={() => setChosenId(todo.id === selectedTodoId ? null : todo.id)}
              actions={itemActions}
            />
          ))}
        </ul>
      )}
      <div className="card-footer">
        {done > 0 && (
          <button type="button" className="link-button" onClick={clearCompleted}>
            Clear completed
          </button>
        )}
        <small className="list-way">{footnote}</small>
      </div>
    </section>
  );
}
