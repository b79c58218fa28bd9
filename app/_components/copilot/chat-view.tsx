'use client';
import { useChat } from '@ai-sdk/react';
import {
  DefaultChatTransport,
  lastAssistantMessageIsCompleteWithApprovalResponses,
  type UIMessage,
} from 'ai';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import {
  browserToolDeclarations,
  isBrowserTool,
  runBrowserTool,
  useSuggestionChips,
} from '@/client/copilot/browser-tools';
import { readMetadata } from '@/client/copilot/message-metadata';
import { useCopilotPropertiesReader } from '@/client/copilot/page-properties';
import { answeredBrowserToolsLast, replyText, touchedData } from './chat-state';
import { MessageView } from './message-view';
import { useThreadCatchUp } from './use-thread-catch-up';

/** The endpoint answers refusals (400, 401, 409, 429, 503) as `{ error }` JSON; the transport hands us that text. */
function readableError(error: Error): string {
  try {
    const body = JSON.parse(error.message) as { error?: unknown };
    if (typeof body.error === 'string') return body.error;
  } catch {
    // Not JSON: a network failure or a message from the stream itself, already readable.
  }
  return error.message;
}

interface ChatViewProps {
  threadId: string;
  initialMessages: UIMessage[];
  model: string;
  /** After each reply (the thread list shows the newest thread first). */
  onReply: () => void;
}

/** One thread: messages, the input, suggestions, Stop, notices and errors. */
export function ChatView({ threadId, initialMessages, model, onReply }: ChatViewProps) {
  const queryClient = useQueryClient();
  const readProperties = useCopilotPropertiesReader();
  const suggestions = useSuggestionChips();
  const [transport] = useState(
    () =>
      new DefaultChatTransport({
        api: '/api/chat',
        // Only the newest message: the server holds the thread. Page, properties and browser tools are read at send
        // time: the page and its selection may have changed since the panel opened.
        prepareSendMessagesRequest: ({ id, messages, trigger, messageId }) => ({
          body: {
            id,
            messages: messages.slice(-1),
            trigger,
            messageId,
            url: window.location.href,
            properties: readProperties(),
            clientTools: browserToolDeclarations(),
          },
        }),
      }),
  );
  // Set by Stop, so that the end of the connection it causes is not taken for a dropped one.
  const stopping = useRef(false);
  // Calls of browser-run tools this tab ran: their results go back to the model.
  const ranInTab = useRef(new Set<string>());
  const chat = useChat({
    id: threadId,
    messages: initialMessages,
    transport,
    // On open (after a reload, in a second tab) join the answer being generated on this thread, if any.
    resume: true,
    // After Approve / Deny, or once the tab has run the browser tools the model called, the answers go back at once.
    sendAutomaticallyWhen: (options) =>
      lastAssistantMessageIsCompleteWithApprovalResponses(options) ||
      answeredBrowserToolsLast(options.messages, (id) => ranInTab.current.has(id)),
    async onToolCall({ toolCall }) {
      if (!isBrowserTool(toolCall.toolName)) return;
      ranInTab.current.add(toolCall.toolCallId);
      try {
        const output = await runBrowserTool(toolCall.toolName, toolCall.input);
        void chat.addToolOutput({ tool: toolCall.toolName, toolCallId: toolCall.toolCallId, output });
      } catch (error) {
        void chat.addToolOutput({
          tool: toolCall.toolName,
          toolCallId: toolCall.toolCallId,
          state: 'output-error',
          errorText: error instanceof Error ? error.message : String(error),
        });
      }
    },
    onError(failure) {
      // A dropped connection (not Stop, not a refusal): the answer goes on on the server; follow it again.
      if (!stopping.current && failure instanceof TypeError) {
        setTimeout(() => void chat.resumeStream(), 500);
      }
    },
    onFinish({ message }) {
      stopping.current = false;
      onReply();
      // Data the copilot changed that is not in the live feed (server-only rows such as the model settings) is
      // read again, so every view of it (the settings form) shows the change.
      if (touchedData(message)) {
        void queryClient.invalidateQueries({ predicate: (query) => !isOwnQuery(query.queryKey) });
      }
      setAnnouncement(replyText(message));
    },
  });
  const { messages, sendMessage, status, stop, error, clearError, addToolApprovalResponse } = chat;
  useThreadCatchUp(threadId, chat);
  const [input, setInput] = useState('');
  const [announcement, setAnnouncement] = useState('');
  const busy = status === 'submitted' || status === 'streaming';
  const end = useRef<HTMLDivElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    // A block body on purpose: newer browsers return a promise from scrollIntoView, and React would take a
    // returned value for the effect's cleanup.
    end.current?.scrollIntoView({ block: 'end' });
  }, [messages]);

  useEffect(() => {
    inputRef.current?.focus();
  }, [threadId]);

  /** Stop ends the answer on the server too (a closed connection alone does not: see stream-log.ts). */
  function stopAnswer() {
    stopping.current = true;
    void stop();
    void fetch(`/api/chat/${encodeURIComponent(threadId)}/stream`, { method: 'DELETE' });
  }

  function say(text: string) {
    if (!text || busy) return;
    clearError();
    stopping.current = false;
    void sendMessage({ text });
  }

  function send(event: FormEvent) {
    event.preventDefault();
    const text = input.trim();
    if (!text || busy) return;
    say(text);
    setInput('');
  }

  const last = messages.at(-1);
  const stepLimitHit =
    !busy && last?.role === 'assistant' && readMetadata(last.metadata).notice?.kind === 'step-limit';

  return (
    <>
      <div className="copilot-messages" data-testid="copilot-messages" role="log" aria-label="Conversation">
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
        {stepLimitHit && (
          <button type="button" data-testid="copilot-continue" onClick={() => say('Continue.')}>
            Continue
          </button>
        )}
        {status === 'submitted' && <p className="copilot-note">Thinking…</p>}
        {error && (
          <p className="copilot-error" role="alert" data-testid="copilot-error">
            {readableError(error)}
          </p>
        )}
        <div ref={end} />
      </div>
      {/* Screen readers hear each finished reply once (the log above updates word by word while it streams). */}
      <p className="visually-hidden" aria-live="polite" data-testid="copilot-announcer">
        {announcement}
      </p>
      {suggestions.length > 0 && !busy && (
        <div className="copilot-suggestions" aria-label="Suggestions" role="group">
          {suggestions.map((suggestion) => (
            <button
              type="button"
              key={suggestion}
              className="copilot-chip"
              data-testid="copilot-suggestion"
              onClick={() => say(suggestion)}
            >
              {suggestion}
            </button>
          ))}
        </div>
      )}
      <form className="copilot-form" onSubmit={send}>
        <textarea
          ref={inputRef}
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
          {busy ? (
            <button type="button" data-testid="copilot-stop" onClick={stopAnswer}>
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

/** The panel's own queries (tRPC keys start with the path): refetching them would reset the chat. */
function isOwnQuery(queryKey: readonly unknown[]): boolean {
  const path = queryKey[0];
  return Array.isArray(path) && (path[0] === 'copilot' || path[0] === 'sync');
}
