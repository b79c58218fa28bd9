'use client';
import { useCallback, useEffect, useState } from 'react';
import { useMutationErrors } from '@/client/sync/react';
import type { MutationFailure } from '@/client/sync/store';

const VISIBLE_MS = 6_000;

interface Toast extends MutationFailure {
  key: number;
}

/** Shows each failed mutation for a few seconds (its effect has already been rolled back). */
export function Toaster() {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const add = useCallback((failure: MutationFailure) => {
    setToasts((current) => [...current.slice(-3), { ...failure, key: Date.now() + Math.random() }]);
  }, []);
  useMutationErrors(add);

  useEffect(() => {
    if (toasts.length === 0) return;
    const timer = setTimeout(() => setToasts((current) => current.slice(1)), VISIBLE_MS);
    return () => clearTimeout(timer);
  }, [toasts]);

  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((toast) => (
        <div key={toast.key} className="toast" role="alert" data-testid="toast">
          <strong>Change not saved</strong>
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
