'use client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '@/client/react';
import { newThreadId } from './thread-choice';

interface ThreadSummary {
  id: string;
  title: string;
}

/** The user's threads: switch between them, start a new one, rename or delete the open one. */
export function ThreadBar({
  threads,
  current,
  onOpen,
}: {
  threads: ThreadSummary[];
  current: string;
  onOpen: (id: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.copilot.threads.queryKey() });
  const rename = useMutation(trpc.copilot.rename.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.copilot.delete.mutationOptions({ onSuccess: refresh }));
  const [title, setTitle] = useState<string | null>(null);
  const saved = threads.find((thread) => thread.id === current);

  function submitRename(event: FormEvent) {
    event.preventDefault();
    if (!title?.trim()) return;
    rename.mutate({ id: current, title }, { onSuccess: () => setTitle(null) });
  }

  function deleteCurrent() {
    const next = threads.find((thread) => thread.id !== current);
    remove.mutate({ id: current }, { onSuccess: () => onOpen(next?.id ?? newThreadId()) });
  }

  if (title !== null) {
    return (
      <form className="copilot-threads" onSubmit={submitRename}>
        <input
          aria-label="Thread name"
          data-testid="copilot-rename-input"
          value={title}
          maxLength={80}
          autoFocus
          onChange={(event) => setTitle(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              event.stopPropagation();
              setTitle(null);
            }
          }}
        />
        <button type="submit" data-testid="copilot-rename-save" disabled={!title.trim()}>
          Save
        </button>
        <button type="button" className="link-button" onClick={() => setTitle(null)}>
          Cancel
        </button>
        {rename.error && (
          <span className="copilot-error" role="alert">
            {rename.error.message}
          </span>
        )}
      </form>
    );
  }

  return (
    <div className="copilot-threads">
      <select
        aria-label="Thread"
        data-testid="copilot-threads"
        value={current}
        onChange={(event) => onOpen(event.target.value)}
      >
        {!saved && <option value={current}>New chat</option>}
        {threads.map((thread) => (
          <option key={thread.id} value={thread.id}>
            {thread.title}
          </option>
        ))}
      </select>
      <button
        type="button"
        className="link-button"
        data-testid="copilot-new-chat"
        onClick={() => onOpen(newThreadId())}
      >
        New chat
      </button>
      {saved && (
        <>
          <button
            type="button"
            className="link-button"
            data-testid="copilot-rename"
            onClick={() => setTitle(saved.title)}
          >
            Rename
          </button>
          <button
            type="button"
            className="link-button"
            data-testid="copilot-delete-thread"
            disabled={remove.isPending}
            onClick={deleteCurrent}
          >
            Delete
          </button>
        </>
      )}
    </div>
  );
}
