/**
 * One turn of a stored thread: the panel sends only its newest message, and the server decides what it may change.
 * - A user message is appended (sent again with the id of an earlier one, it replaces that one and what followed:
 *   the AI SDK's regenerate). Calls still waiting then (an approval never answered, a browser tool that never
 *   answered) are settled as "did not run": a new question moves on.
 * - An assistant message must be the thread's last one, and only answers are taken from it: approval answers for
 *   calls waiting for approval, and results of browser-run tools (client-tools.ts) for calls waiting for them.
 *   Tool inputs, outputs and text stay as the server stored them, so a client cannot rewrite history.
 */
import 'server-only';
import { getStaticToolName, isStaticToolUIPart, type UIMessage } from 'ai';

type Part = UIMessage['parts'][number];

export type TurnResult =
  | { ok: true; messages: UIMessage[] }
  | { ok: false; status: 409; error: string }
  /** The message itself is wrong: `problem` says what, about its `parts`. */
  | { ok: false; status: 400; problem: string };

const WAITING = new Set(['input-streaming', 'input-available', 'approval-requested', 'approval-responded']);

/** Every call of this message that was still waiting, settled as a tool error that says it did not run. */
function settleWaiting(message: UIMessage): UIMessage {
  let changed = false;
  const parts = message.parts.map((part): Part => {
    if (!isStaticToolUIPart(part) || !WAITING.has(part.state)) return part;
    changed = true;
    return {
      type: part.type,
      toolCallId: part.toolCallId,
      state: 'output-error',
      input: part.input ?? {},
      errorText: `${String(getStaticToolName(part))} was not answered before the next message, so it did not run`,
    } as Part;
  });
  return changed ? { ...message, parts } : message;
}

function appendUserMessage(stored: UIMessage[], incoming: UIMessage): TurnResult {
  // Only text from the user (a forged tool part in a user message would read as history to the model).
  const text = incoming.parts.filter(
    (part) => part.type === 'text' && typeof part.text === 'string' && part.text.trim() !== '',
  );
  if (text.length === 0) return { ok: false, status: 400, problem: 'a user message needs some text' };
  const earlier = stored.findIndex((message) => message.id === incoming.id);
  if (earlier >= 0 && stored[earlier]?.role !== 'user') {
    return {
      ok: false,
      status: 409,
      error: 'That message id belongs to a reply in this thread: use a new id',
    };
  }
  const base = earlier >= 0 ? stored.slice(0, earlier) : stored;
  const last = base.at(-1);
  const settled = last?.role === 'assistant' ? [...base.slice(0, -1), settleWaiting(last)] : base;
  return { ok: true, messages: [...settled, { id: incoming.id, role: 'user', parts: text }] };
}

/** The answer the client gave for one waiting call, if it is one the server accepts. */
function answerFor(
  stored: Part,
  sent: Part | undefined,
  isServerTool: (name: string) => boolean,
): Part | null {
  if (!sent || !isStaticToolUIPart(stored) || !isStaticToolUIPart(sent)) return null;
  if (sent.toolCallId !== stored.toolCallId || sent.type !== stored.type) return null;
  if (stored.state === 'approval-requested' && sent.state === 'approval-responded') {
    if (sent.approval.id !== stored.approval.id || typeof sent.approval.approved !== 'boolean') return null;
    return {
      ...stored,
      state: 'approval-responded',
      // The server's own copy of the request (with its signature): only the answer comes from the client.
      approval: {
        ...stored.approval,
        approved: sent.approval.approved,
        ...(typeof sent.approval.reason === 'string' ? { reason: sent.approval.reason.slice(0, 500) } : {}),
      },
    } as Part;
  }
  // A browser-run tool has no execute on the server: its call waits in input-available until the tab answers.
  if (stored.state === 'input-available' && !isServerTool(String(getStaticToolName(stored)))) {
    if (sent.state === 'output-available') {
      return { ...stored, state: 'output-available', output: sent.output ?? null } as Part;
    }
    if (sent.state === 'output-error') {
      return { ...stored, state: 'output-error', errorText: String(sent.errorText).slice(0, 1_000) } as Part;
    }
  }
  return null;
}

function applyAnswers(
  stored: UIMessage[],
  incoming: UIMessage,
  isServerTool: (name: string) => boolean,
): TurnResult {
  const last = stored.at(-1);
  if (last?.role !== 'assistant' || last.id !== incoming.id) {
    return {
      ok: false,
      status: 409,
      error:
        'This conversation has moved on since that answer (another tab, or an older copy): reopen the thread and ask again',
    };
  }
  const sentByCall = new Map<string, Part>();
  for (const part of incoming.parts) if (isStaticToolUIPart(part)) sentByCall.set(part.toolCallId, part);
  let answered = 0;
  const parts = last.parts.map((part) => {
    if (!isStaticToolUIPart(part)) return part;
    const answer = answerFor(part, sentByCall.get(part.toolCallId), isServerTool);
    if (!answer) return part;
    answered++;
    return answer;
  });
  if (answered === 0) {
    return {
      ok: false,
      status: 409,
      error: 'Nothing in that message waits for an answer (it was already answered): ask the copilot again',
    };
  }
  return { ok: true, messages: [...stored.slice(0, -1), { ...last, parts }] };
}

/** The thread with the panel's newest message applied, or why it cannot be. */
export function applyIncomingMessage(
  stored: UIMessage[],
  incoming: UIMessage,
  isServerTool: (name: string) => boolean,
): TurnResult {
  return incoming.role === 'user'
    ? appendUserMessage(stored, incoming)
    : applyAnswers(stored, incoming, isServerTool);
}
