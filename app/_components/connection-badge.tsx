'use client';
import { useConnectionState, useSendState } from '@/client/sync';

const LABELS = {
  live: 'Live',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  'signed-out': 'Signed out: reload',
} as const;

/** Whether the live change feed is connected, and whether changes are waiting to be sent again. */
export function ConnectionBadge() {
  const state = useConnectionState();
  const sending = useSendState();
  return (
    <span
      className={`badge badge-${state}`}
      data-testid="connection"
      data-state={state}
      data-sending={sending}
      role="status"
    >
      <span className="dot" aria-hidden="true" />
      {LABELS[state]}
      {sending === 'retrying' ? ' · saving again…' : null}
    </span>
  );
}
