/**
 * What the chat panel shows when the stream itself fails (the provider refused, timed out or dropped the connection
 * mid-answer). Tool failures are not here: they are tool errors the model can read (runtime/tool-errors.ts).
 */
import 'server-only';
import { APICallError } from 'ai';

export function describeStreamError(error: unknown): string {
  if (APICallError.isInstance(error) && error.statusCode !== undefined && error.statusCode >= 400) {
    return `The model provider refused the request (HTTP ${error.statusCode}): ${error.message}`;
  }
  // A broken connection mid-answer: the underlying cause says more than the SDK's wrapper.
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  const message = error instanceof Error ? error.message : String(error);
  // The UI stream may pass an already described error through here again.
  if (message.startsWith('The model provider')) return message;
  return `The model provider failed mid-answer: ${message}${cause}`;
}

/**
 * streamText's `stream` errors (rather than yielding an `error` part) when the provider's connection breaks
 * mid-answer; the UI message stream would then just break off, and the panel could only say "network error".
 * This ends the stream with an `error` part instead, which reaches the panel as the provider's own message.
 */
export function endWithErrorPart<TPart>(
  stream: ReadableStream<TPart>,
): ReadableStream<TPart | { type: 'error'; error: unknown }> {
  const reader = stream.getReader();
  return new ReadableStream({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        controller.enqueue({ type: 'error', error });
        controller.close();
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
