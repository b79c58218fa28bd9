'use client';
import { useState, type KeyboardEvent } from 'react';
import type { MutatorInput } from '@/framework/shared';
import type { Mutators } from '@/mutators/registry';
import type { SyncedRows } from '@/mutators/synced-tables';

type Todo = SyncedRows['todos'];

/**
 * The mutators a row calls; the list hands them in (from `useMutate()` or from React Query's `useMutation`). A
 * returned promise settles when the change is saved or refused (React Query's `mutateAsync`).
 */
export type TodoItemActions = {
  [TName in 'setTodoText' | 'setTodoCompleted' | 'moveTodo' | 'deleteTodo']: (
    args: MutatorInput<Mutators[TName]>,
  ) => unknown;
};

interface Props {
  todo: Todo;
  /** Up to two todos before this one (nearest last), to compute a position when moving up. */
  previous: Todo[];
  /** Up to two todos after this one (nearest first), to compute a position when moving down. */
  next: Todo[];
  /** Selected for the copilot (it can then edit this todo). */
  selected: boolean;
  /** Pointed at by a link (`/#todo-<id>`), e.g. the copilot's "Added …". */
  highlighted?: boolean;
  onSelect: () => void;
  actions: TodoItemActions;
}

/** A position strictly between two neighbours (either may be missing at the ends of the list). */
function between(before: Todo | undefined, after: Todo | undefined): number {
  if (before && after) return (before.position + after.position) / 2;
  if (before) return before.position + 1;
  if (after) return after.position - 1;
  return 0;
}

export function TodoItem({
  todo,
  previous,
  next,
  selected,
  highlighted = false,
  onSelect,
  actions: mutate,
}: Props) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(todo.text);

  function save() {
    setEditing(false);
    const text = draft.trim();
    if (text && text !== todo.text) mutate.setTodoText({ id: todo.id, text, updatedAt: new Date() });
    else setDraft(todo.text);
  }

  function onKey(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'Enter') save();
    if (event.key === 'Escape') {
      setDraft(todo.text);
      setEditing(false);
    }
  }

  // React puts a controlled checkbox back at the end of the click unless that click's render shows the new value.
  // React Query writes its optimistic rows a few ticks later (a mutation starts after awaits, observers hear of
  // it on a timer), so the row shows the clicked value itself until the rows show it or the change is settled.
  const [clicked, setClicked] = useState<boolean | null>(null);
  if (clicked !== null && clicked === todo.completed) setClicked(null);
  const completed = clicked ?? todo.completed;
  const toggle = (checked: boolean) => {
    setClicked(checked);
    const change = mutate.setTodoCompleted({ id: todo.id, completed: checked, updatedAt: new Date() });
    // A refusal is reported by the list (rolled back rows and its error); here it only ends the wait.
    void Promise.allSettled([change]).then(() => setClicked(null));
  };

  const moveUp = () =>
    mutate.moveTodo({
      id: todo.id,
      position: between(previous.at(-2), previous.at(-1)),
      updatedAt: new Date(),
    });
  const moveDown = () =>
    mutate.moveTodo({ id: todo.id, position: between(next[0], next[1]), updatedAt: new Date() });

  return (
    <li
      className={[
        'todo',
        completed && 'done',
        todo.status !== 'ready' && todo.status,
        selected && 'selected',
        highlighted && 'highlighted',
      ]
        .filter(Boolean)
        .join(' ')}
      data-testid="todo-item"
      data-id={todo.id}
      data-status={todo.status}
      data-highlighted={highlighted || undefined}
    >
      <input
        type="checkbox"
        className="check"
        checked={completed}
        aria-label={`Mark "${todo.text}" ${completed ? 'not done' : 'done'}`}
        onChange={(event) => toggle(event.target.checked)}
      />
      {editing ? (
        <input
          className="edit"
          aria-label="Edit todo"
          value={draft}
          maxLength={500}
          autoFocus
          onChange={(event) => setDraft(event.target.value)}
          onBlur={save}
          onKeyDown={onKey}
        />
      ) : (
        <button
          type="button"
          className="text"
          data-testid="todo-text"
          title="Click to edit"
          onClick={() => {
            setDraft(todo.text);
            setEditing(true);
          }}
        >
          {todo.text}
          {todo.status === 'generating' && <span className="generating">writing…</span>}
        </button>
      )}
      <span className="actions">
        <button
          type="button"
          className="select"
          aria-pressed={selected}
          aria-label={`Select "${todo.text}" for the copilot`}
          title="Select for the copilot"
          onClick={onSelect}
        >
          ✦
        </button>
        <button type="button" aria-label="Move up" disabled={previous.length === 0} onClick={moveUp}>
          ↑
        </button>
        <button type="button" aria-label="Move down" disabled={next.length === 0} onClick={moveDown}>
          ↓
        </button>
        <button
          type="button"
          aria-label={`Delete "${todo.text}"`}
          className="delete"
          onClick={() => mutate.deleteTodo({ id: todo.id })}
        >
          ×
        </button>
      </span>
    </li>
  );
}
