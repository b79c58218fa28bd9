'use client';
/**
 * A panel left open in another tab catches up when the user comes back to it: if the thread moved on meanwhile
 * (a question asked in another tab), it shows the server's copy and joins the answer in progress, if any. A panel
 * busy with its own request is left alone.
 */
import type { UIMessage } from 'ai';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useTRPC } from '@/client/react';

interface ChatLike {
  messages: UIMessage[];
  status: string;
  setMessages(messages: UIMessage[]): void;
  resumeStream(): Promise<void>;
}

export function useThreadCatchUp(threadId: string, chat: ChatLike): void {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const latest = useRef(chat);
  useEffect(() => {
    latest.current = chat;
  });
  useEffect(() => {
    let checking = false;
    async function catchUp() {
      const current = latest.current;
      if (checking || document.visibilityState !== 'visible') return;
      if (current.status !== 'ready' && current.status !== 'error') return;
      checking = true;
      try {
        const saved = await queryClient.fetchQuery({
          ...trpc.copilot.thread.queryOptions({ id: threadId }),
          staleTime: 0,
        });
        const now = latest.current;
        if (now.status !== 'ready' && now.status !== 'error') return; // A request started meanwhile.
        const same =
          saved.messages.length === now.messages.length &&
          saved.messages.at(-1)?.id === now.messages.at(-1)?.id;
        if (same) return;
        now.setMessages(saved.messages);
        await now.resumeStream();
      } catch (error) {
        console.warn('Copilot: could not catch up with the thread', error);
      } finally {
        checking = false;
      }
    }
    const onVisible = () => void catchUp();
    window.addEventListener('focus', onVisible);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      window.removeEventListener('focus', onVisible);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [threadId, trpc, queryClient]);
}
