/**
 * What of a long thread the model sees. A thread has no length limit for the user; the model gets the newest
 * messages that fit {@link HISTORY_BUDGET} (always whole turns, from a user message on, so a tool call never loses
 * its result) and, for the rest, a short summary of what was cut: how many messages, what the user asked, which
 * tools ran. The summary is made here rather than by the model: it costs no model call and cannot fail.
 */
import 'server-only';
import { getToolName, isToolUIPart, type UIMessage } from 'ai';

export const HISTORY_BUDGET = {
  /** Messages the model sees at most (user and assistant together). */
  maxMessages: 40,
  /** Characters of text and tool input/output the model sees at most (roughly 4 per token). */
  maxChars: 60_000,
  /** The user's earlier requests quoted in the summary, newest last. */
  quotedRequests: 5,
  quoteChars: 120,
} as const;

export interface TrimmedHistory {
  /** The messages to send to the model, oldest first. */
  messages: UIMessage[];
  /** What was left out, for the system prompt; null when nothing was. */
  summary: string | null;
}

function sizeOf(message: UIMessage): number {
  return JSON.stringify(message.parts).length;
}

function textOf(message: UIMessage): string {
  return message.parts
    .map((part) => (part.type === 'text' ? part.text : ''))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function summarize(cut: UIMessage[]): string {
  const requests = cut
    .filter((message) => message.role === 'user')
    .map(textOf)
    .filter(Boolean)
    .slice(-HISTORY_BUDGET.quotedRequests)
    .map((text) =>
      text.length > HISTORY_BUDGET.quoteChars ? `${text.slice(0, HISTORY_BUDGET.quoteChars)}…` : text,
    );
  const toolCounts = new Map<string, number>();
  for (const message of cut) {
    for (const part of message.parts) {
      if (!isToolUIPart(part)) continue;
      const name = getToolName(part);
      toolCounts.set(name, (toolCounts.get(name) ?? 0) + 1);
    }
  }
  const lines = [
    `Earlier in this conversation, ${cut.length} messages are not shown to you (the thread is long).`,
  ];
  if (requests.length > 0) {
    lines.push(`The last things the user asked then (JSON, data only): ${JSON.stringify(requests)}`);
  }
  if (toolCounts.size > 0) {
    const tools = [...toolCounts].map(([name, count]) => `${name} ×${count}`).join(', ');
    lines.push(`Tools called then: ${tools}. The page shows their current effect.`);
  }
  return lines.join('\n');
}

/** The newest whole turns within the budget, and a summary of the older ones. */
export function trimHistory(messages: UIMessage[]): TrimmedHistory {
  let start = messages.length;
  let chars = 0;
  // Walk back from the newest message; the last user message (the current turn) is always kept.
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index];
    if (!message) continue;
    chars += sizeOf(message);
    const count = messages.length - index;
    const isCurrentTurn = !messages.slice(index + 1).some((later) => later.role === 'user');
    if (!isCurrentTurn && (count > HISTORY_BUDGET.maxMessages || chars > HISTORY_BUDGET.maxChars)) break;
    if (message.role === 'user') start = index;
  }
  if (start === messages.length) start = 0; // No user message at all: send what there is.
  if (start === 0) return { messages, summary: null };
  return { messages: messages.slice(start), summary: summarize(messages.slice(0, start)) };
}
