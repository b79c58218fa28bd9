'use client';
import { useEffect, useState, type FormEvent } from 'react';
import { useCopilotProperties } from '@/client/copilot/page-properties';
import { useMutate, useRows } from '@/client/sync';
import { TodoItem } from './todo-item';
import { useListPageCopilot } from './todo-copilot-tools';

/** The todo a link such as the copilot's "Added …" points at (`/#todo-<id>`). */
function hashTodoId(): string | null {
  const match = /^#todo-([0-9a-f-]{36})$/.exec(window.location.hash);
  return match?.[1] ?? null;
}

/** The example app: a live, optimistic todo list built only from mutators and `useRows`. */
export function TodoApp() {
  // In the table's declared order (position, then id), as the server lists them.
  const todos = useRows('todos');
  const mutate = useMutate();
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
    mutate.addTodo({
      id: crypto.randomUUID(),
      text,
      position: (last?.position ?? 0) + 1,
      createdAt: new Date(),
    });
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
            />
          ))}
        </ul>
      )}
      {done > 0 && (
        <div className="card-footer">
          <button type="button" className="link-button" onClick={() => mutate.clearCompleted({})}>
            Clear completed
          </button>
        </div>
      )}
    </section>
  );
}
