'use client';
import { useChat } from '@ai-sdk/react';
import {
  DefaultChatTransport,
  lastAssistantMessageIsCompleteWithApprovalResponses,
  type UIMessage,
} from 'ai';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useCopilotPropertiesReader } from '@/client/copilot/page-properties';
import { useTRPC } from '@/client/react';
import { MessageView } from './message-view';

/** The endpoint answers refusals (400, 401, 429, 503) as `{ error }` JSON; the transport hands us that text. */
function readableError(error: Error): string {
  try {
    const body = JSON.parse(error.message) as { error?: unknown };
    if (typeof body.error === 'string') return body.error;
  } catch {
    // Not JSON: a network failure or a message from the stream itself, already readable.
  }
  return error.message;
}

/** The conversation: messages, the input, Stop, errors, and starting over. */
export function ChatView({ initialMessages, model }: { initialMessages: UIMessage[]; model: string }) {
  const trpc = useTRPC();
  const readProperties = useCopilotPropertiesReader();
  const [transport] = useState(
    () =>
      new DefaultChatTransport({
        api: '/api/chat',
        // Read at send time: the page and its selection may have changed since the panel opened.
        body: () => ({ url: window.location.href, properties: readProperties() }),
      }),
  );
  const { messages, sendMessage, status, stop, error, clearError, setMessages, addToolApprovalResponse } =
    useChat({
      messages: initialMessages,
      transport,
      // After Approve / Deny, the answers go back to the server at once so the model can carry on.
      sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
    });
  const clear = useMutation(trpc.copilot.clear.mutationOptions({ onSuccess: () => setMessages([]) }));
  const [input, setInput] = useState('');
  const busy = status === 'submitted' || status === 'streaming';
  const end = useRef<HTMLDivElement>(null);

  useEffect(() => {
    // A block body on purpose: newer browsers return a promise from scrollIntoView, and React would take a
    // returned value for the effect's cleanup.
    end.current?.scrollIntoView({ block: 'end' });
  }, [messages]);

  function send(event: FormEvent) {
    event.preventDefault();
    const text = input.trim();
    if (!text || busy) return;
    clearError();
    void sendMessage({ text });
    setInput('');
  }

  return (
    <>
      <div className="copilot-messages" data-testid="copilot-messages">
        {messages.length === 0 && (
          <p className="copilot-note">
            Ask me to change your list, e.g. “add a todo to call the plumber”. Model: {model}.
          </p>
        )}
        {messages.map((message) => (
          <MessageView
            key={message.id}
            message={message}
            onApproval={(id, approved) => void addToolApprovalResponse({ id, approved })}
          />
        ))}
        {status === 'submitted' && <p className="copilot-note">Thinking…</p>}
        {error && (
          <p className="copilot-error" role="alert" data-testid="copilot-error">
            {readableError(error)}
          </p>
        )}
        <div ref={end} />
      </div>
      <form className="copilot-form" onSubmit={send}>
        <textarea
          aria-label="Message the copilot"
          data-testid="copilot-input"
          placeholder="Ask the copilot…"
          rows={2}
          maxLength={8_000}
          value={input}
          onChange={(event) => setInput(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && !event.shiftKey) send(event);
          }}
        />
        <div className="copilot-buttons">
          <button
            type="button"
            className="link-button"
            data-testid="copilot-new-chat"
            disabled={busy || messages.length === 0}
            onClick={() => clear.mutate()}
          >
            New chat
          </button>
          {busy ? (
            <button type="button" data-testid="copilot-stop" onClick={() => void stop()}>
              Stop
            </button>
          ) : (
            <button type="submit" data-testid="copilot-send" disabled={!input.trim()}>
              Send
            </button>
          )}
        </div>
      </form>
    </>
  );
}
