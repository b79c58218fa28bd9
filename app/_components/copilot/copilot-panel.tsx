'use client';
// First: the AI SDK's zod schemas below must not probe for eval (client/zod-jitless.ts).
import '@/client/zod-jitless';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '@/client/react';
import { ChatView } from './chat-view';
import { ThreadBar } from './thread-bar';
import { newThreadId, rememberThread, rememberedThread } from './thread-choice';

/**
 * The copilot panel: says how to configure a model when there is none, otherwise the thread bar (switch, rename,
 * delete, New chat) and the open thread. The thread last open in this browser opens again after a reload.
 */
export default function CopilotPanel({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const status = useQuery(trpc.copilot.status.queryOptions());
  const threads = useQuery(trpc.copilot.threads.queryOptions());
  const [chosen, setChosen] = useState<string>(() => {
    const id = rememberedThread() ?? newThreadId();
    rememberThread(id);
    return id;
  });
  // Read when a thread opens; from then on the chat itself holds its messages.
  const thread = useQuery(
    trpc.copilot.thread.queryOptions({ id: chosen }, { staleTime: Infinity, gcTime: 0 }),
  );

  function open(id: string) {
    rememberThread(id);
    setChosen(id);
  }

  let body;
  const failure = status.error ?? threads.error ?? thread.error;
  if (failure) {
    body = (
      <p className="copilot-error" role="alert">
        {failure.message}
      </p>
    );
  } else if (!status.data || !thread.data || !threads.data) {
    body = <p className="copilot-note">Loading…</p>;
  } else if (!status.data.configured) {
    body = (
      <p className="copilot-note" data-testid="copilot-not-configured">
        {status.data.message}
      </p>
    );
  } else {
    body = (
      <>
        <ThreadBar threads={threads.data} current={chosen} onOpen={open} />
        <ChatView
          key={chosen}
          threadId={chosen}
          initialMessages={thread.data.messages}
          model={status.data.model}
          onReply={() => void queryClient.invalidateQueries({ queryKey: trpc.copilot.threads.queryKey() })}
        />
      </>
    );
  }

  return (
    <aside className="copilot-panel" aria-label="Copilot" data-testid="copilot-panel">
      <header className="copilot-header">
        <h2>Copilot</h2>
        <button
          type="button"
          className="link-button"
          onClick={onClose}
          aria-label="Close copilot"
          data-testid="copilot-close"
        >
          ×
        </button>
      </header>
      {body}
    </aside>
  );
}
