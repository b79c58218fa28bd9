/**
 * A thread can hold an unfinished tool call (waiting for approval, or approved but not yet run) for a tool that
 * this request does not offer: the user asked on one page and answered on another. Such a call must not run here
 * (docs/architecture.md rule 8), and the model and the panel should learn why, so it is settled as a tool error —
 * in the thread, and in the panel at once (the handler streams each settled call's error first).
 */
import 'server-only';
import { getStaticToolName, isStaticToolUIPart, type ToolSet, type UIMessage } from 'ai';

const TERMINAL_STATES = new Set(['output-available', 'output-error', 'output-denied']);

/** One call settled here: the panel gets its error as a `tool-output-error` chunk. */
export interface SettledCall {
  toolCallId: string;
  errorText: string;
}

export function settleUnofferedToolCalls(
  messages: UIMessage[],
  tools: ToolSet,
): { messages: UIMessage[]; settled: SettledCall[] } {
  const settled: SettledCall[] = [];
  const result = messages.map((message) => {
    if (message.role !== 'assistant') return message;
    let changed = false;
    const parts = message.parts.map((part) => {
      if (!isStaticToolUIPart(part) || TERMINAL_STATES.has(part.state)) return part;
      const name = String(getStaticToolName(part));
      if (Object.hasOwn(tools, name)) return part;
      changed = true;
      const errorText = `${name} is not available on this page, so it did not run`;
      settled.push({ toolCallId: part.toolCallId, errorText });
      return {
        type: part.type,
        toolCallId: part.toolCallId,
        state: 'output-error',
        input: part.input ?? {},
        errorText,
      } as UIMessage['parts'][number];
    });
    return changed ? { ...message, parts } : message;
  });
  return { messages: result, settled };
}
