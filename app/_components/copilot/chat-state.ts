/** Small reads of the chat's messages for the panel (pure functions, no React). */
import { isToolUIPart, type UIMessage } from 'ai';

/** The parts of a message's last step (after its last step-start). */
function lastStep(message: UIMessage): UIMessage['parts'] {
  const start = message.parts.findLastIndex((part) => part.type === 'step-start');
  return message.parts.slice(start + 1);
}

/**
 * Whether the reply's last step called browser-run tools (`ranInTab`: this tab ran the call; the page that declared
 * the tool may be gone, e.g. after openSettings) and every call of that step has its result: then the
 * results go back to the model. Only for browser tools: a step of server tools that ended the turn (the step
 * limit, the repeat guard) must not send itself again.
 */
export function answeredBrowserToolsLast(
  messages: UIMessage[],
  ranInTab: (toolCallId: string) => boolean,
): boolean {
  const message = messages.at(-1);
  if (message?.role !== 'assistant') return false;
  const calls = lastStep(message).filter(isToolUIPart);
  return (
    calls.some((part) => ranInTab(part.toolCallId)) &&
    calls.every((part) => part.state === 'output-available' || part.state === 'output-error')
  );
}

/** Whether a reply ran a tool that finished (so data may have changed). */
export function touchedData(message: UIMessage): boolean {
  return message.parts.some((part) => isToolUIPart(part) && part.state === 'output-available');
}

/** A reply's text, for the screen reader announcement. */
export function replyText(message: UIMessage): string {
  return message.parts
    .map((part) => (part.type === 'text' ? part.text : ''))
    .join(' ')
    .trim();
}
