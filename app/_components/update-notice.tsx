'use client';
import { useState } from 'react';
import { useSchemaUpdate } from '@/client/sync';

/**
 * After a deploy that changed the schema version: "a new version is available — reload", instead of changes that
 * fail. Pending changes are kept (saved for the reloaded page, which sends those the new version still accepts).
 * After such a reload: what became of them, changes dropped included.
 */
export function UpdateNotice() {
  const { outdated, unsavedCount, restored, reload } = useSchemaUpdate();
  const [saveFailed, setSaveFailed] = useState(false);
  const [dismissed, setDismissed] = useState(false);

  if (outdated) {
    return (
      <div className="update-notice" role="alert" data-testid="update-notice">
        <p>
          <strong>A new version is available — reload.</strong>{' '}
          {unsavedCount > 0
            ? `Your ${unsavedCount} unsaved change${unsavedCount === 1 ? '' : 's'} will be kept and sent after the reload.`
            : 'Nothing you changed is lost.'}
          {saveFailed
            ? ' Your browser would not store them for the reload: keep this page open, or reload and redo them.'
            : null}
        </p>
        <button type="button" onClick={() => setSaveFailed(!reload())}>
          Reload
        </button>
      </div>
    );
  }

  if (restored && restored.dropped.length > 0 && !dismissed) {
    return (
      <div className="update-notice" role="status" data-testid="restore-notice">
        <p>
          <strong>
            {restored.dropped.length} change{restored.dropped.length === 1 ? '' : 's'} made before the update
            could not be applied:
          </strong>
        </p>
        <ul>
          {restored.dropped.map((failure, index) => (
            <li key={index}>
              {failure.mutator}: {failure.message}
            </li>
          ))}
        </ul>
        <button type="button" onClick={() => setDismissed(true)}>
          Dismiss
        </button>
      </div>
    );
  }
  return null;
}
