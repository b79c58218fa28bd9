'use client';
import { useMutation } from '@tanstack/react-query';
import { useTRPC } from '@/client/react';
import { useRows } from '@/client/sync';

const SHOWN = 4;

/** The user's latest background runs, live from the synced action_runs table: status, progress, cancel. */
export function RunsList() {
  const trpc = useTRPC();
  const cancel = useMutation(trpc.runs.cancel.mutationOptions());
  const runs = useRows('actionRuns')
    .slice()
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
    .slice(0, SHOWN);
  if (runs.length === 0) return null;
  return (
    <ul className="runs" aria-label="Background runs">
      {runs.map((run) => {
        const percent = Math.round((run.progress ?? 0) * 100);
        return (
          <li key={run.id} className={`run run-${run.status}`} data-testid="run" data-status={run.status}>
            <span className="run-name">{run.action}</span>
            <progress
              max={100}
              value={percent}
              aria-label={`${run.action} progress`}
              data-testid="run-progress"
              data-value={percent}
            />
            <span className="run-status">
              {run.status === 'running' && run.progressMessage ? run.progressMessage : run.status}
              {run.status === 'failed' && run.error ? `: ${run.error}` : ''}
            </span>
            {(run.status === 'queued' || run.status === 'running') && (
              <button type="button" className="link-button" onClick={() => cancel.mutate({ id: run.id })}>
                Cancel
              </button>
            )}
          </li>
        );
      })}
    </ul>
  );
}
