/**
 * What the chat panel shows when the stream itself fails (the provider refused, timed out or dropped the connection
 * mid-answer). Tool failures are not here: they are tool errors the model can read (runtime/tool-errors.ts).
 */
import 'server-only';
import { APICallError } from 'ai';
import { describeProviderFailure } from './provider-errors';

const DESCRIBED =
  /^The model provider (refused the request \(HTTP \d+; details in the server log\)|failed mid-answer: the model provider (answered HTTP \d+|failed) \(details in the server log\))$/;

/**
 * Our own words only: the provider's message can quote the API key, and this text reaches the browser and the saved
 * conversation. streamText's onError has already logged the provider's error in full.
 */
export function describeStreamError(error: unknown): string {
  if (APICallError.isInstance(error) && error.statusCode !== undefined && error.statusCode >= 400) {
    return `The model provider refused the request (HTTP ${error.statusCode}; details in the server log)`;
  }
  // The UI stream may pass an already described error through here again: only our exact words pass as they are.
  const message = error instanceof Error ? error.message : String(error);
  if (DESCRIBED.test(message)) return message;
  return `The model provider failed mid-answer: ${describeProviderFailure(error)} (details in the server log)`;
}

/**
 * streamText's `stream` errors (rather than yielding an `error` part) when the provider's connection breaks
 * mid-answer; the UI message stream would then just break off, and the panel could only say "network error".
 * This ends the stream with an `error` part instead, which reaches the panel described by describeStreamError.
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
