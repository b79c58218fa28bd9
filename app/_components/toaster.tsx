'use client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useMutationErrors, useRows } from '@/client/sync';
import type { MutationFailure } from '@/framework/client';

const VISIBLE_MS = 6_000;
const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

interface Toast {
  key: number;
  kind: 'error' | 'done';
  title: string;
  message: string;
}

/**
 * Short-lived notices: each failed mutation (its effect has already been rolled back), and each background run
 * that finishes while the page is open (seen through the live action_runs rows).
 */
export function Toaster() {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const push = useCallback((toast: Omit<Toast, 'key'>) => {
    setToasts((current) => [...current.slice(-3), { ...toast, key: Date.now() + Math.random() }]);
  }, []);
  const onFailure = useCallback(
    (failure: MutationFailure) =>
      push({ kind: 'error', title: 'Change not saved', message: failure.message }),
    [push],
  );
  useMutationErrors(onFailure);

  const runs = useRows('actionRuns');
  const lastStatus = useRef<Map<string, string> | null>(null);
  useEffect(() => {
    const previous = lastStatus.current;
    lastStatus.current = new Map(runs.map((run) => [run.id, run.status]));
    if (!previous) return; // The first render: runs that finished before the page opened are old news.
    for (const run of runs) {
      const before = previous.get(run.id);
      if (FINISHED.has(run.status) && before !== undefined && before !== run.status) {
        push({
          kind: run.status === 'succeeded' ? 'done' : 'error',
          title: `${run.action} ${run.status}`,
          message: run.status === 'failed' ? (run.error ?? 'It failed.') : 'The background run has finished.',
        });
      }
    }
  }, [runs, push]);

  useEffect(() => {
    if (toasts.length === 0) return;
    const timer = setTimeout(() => setToasts((current) => current.slice(1)), VISIBLE_MS);
    return () => clearTimeout(timer);
  }, [toasts]);

  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((toast) => (
        <div
          key={toast.key}
          className={`toast toast-${toast.kind}`}
          role={toast.kind === 'error' ? 'alert' : 'status'}
          data-testid={toast.kind === 'error' ? 'toast' : 'notice'}
        >
          <strong>{toast.title}</strong>
          <span>{toast.message}</span>
          <button
            type="button"
            className="toast-close"
            aria-label="Dismiss"
            onClick={() => setToasts((current) => current.filter((t) => t.key !== toast.key))}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
