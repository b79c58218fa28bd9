'use client';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/client/react';
import { ChatView } from './chat-view';

/** The copilot panel: says how to configure a model when there is none, otherwise the saved conversation. */
export default function CopilotPanel({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const status = useQuery(trpc.copilot.status.queryOptions());
  // Read once when the panel opens; from then on the chat itself holds the messages.
  const conversation = useQuery(
    trpc.copilot.conversation.queryOptions(undefined, { staleTime: Infinity, gcTime: 0 }),
  );

  let body;
  if (status.error || conversation.error) {
    body = (
      <p className="copilot-error" role="alert">
        {(status.error ?? conversation.error)?.message}
      </p>
    );
  } else if (!status.data || !conversation.data) {
    body = <p className="copilot-note">Loading…</p>;
  } else if (!status.data.configured) {
    body = (
      <p className="copilot-note" data-testid="copilot-not-configured">
        {status.data.message}
      </p>
    );
  } else {
    body = <ChatView initialMessages={conversation.data} model={status.data.model} />;
  }

  return (
    <aside className="copilot-panel" aria-label="Copilot" data-testid="copilot-panel">
      <header className="copilot-header">
        <h2>Copilot</h2>
        <button type="button" className="link-button" onClick={onClose} aria-label="Close copilot">
          ×
        </button>
      </header>
      {body}
    </aside>
  );
}
