/**
 * What the chat panel shows when the stream itself fails (the provider refused, timed out or dropped the connection
 * mid-answer). Tool failures are not here: they are tool errors the model can read (runtime/tool-errors.ts).
 */
import 'server-only';
import { APICallError, RetryError } from 'ai';
import { describeProviderFailure } from './provider-errors';

const DESCRIBED =
  /^The model provider (refused the request \(HTTP \d+; details in the server log\)|failed before answering \(HTTP \d+\); try again \(details in the server log\)|failed before answering \(details in the server log\)|failed mid-answer: the model provider (answered HTTP \d+|failed) \(details in the server log\))$/;

/** The provider's own error: the AI SDK retries 5xx answers and then wraps the last one in a RetryError. */
function unwrap(error: unknown): unknown {
  return RetryError.isInstance(error) ? (error.lastError ?? error) : error;
}

/**
 * Our own words only: the provider's message can quote the API key, and this text reaches the browser and the saved
 * conversation. streamText's onError has already logged the provider's error in full. `answered` says whether the
 * model had streamed anything (text or a tool call) before the failure: a 500 before that did not fail "mid-answer".
 */
export function describeStreamError(error: unknown, answered = true): string {
  const cause = unwrap(error);
  if (APICallError.isInstance(cause) && cause.statusCode !== undefined && cause.statusCode >= 400) {
    if (cause.statusCode >= 500 && !answered) {
      return `The model provider failed before answering (HTTP ${cause.statusCode}); try again (details in the server log)`;
    }
    return `The model provider refused the request (HTTP ${cause.statusCode}; details in the server log)`;
  }
  // The UI stream may pass an already described error through here again: only our exact words pass as they are.
  const message = cause instanceof Error ? cause.message : String(cause);
  if (DESCRIBED.test(message)) return message;
  if (!answered) return 'The model provider failed before answering (details in the server log)';
  return `The model provider failed mid-answer: ${describeProviderFailure(cause)} (details in the server log)`;
}

/** Watches a streamText stream for the first thing the model said, for {@link describeStreamError}'s `answered`. */
export function watchForAnswer<TPart extends { type: string }>(
  stream: ReadableStream<TPart>,
): { stream: ReadableStream<TPart>; answered(): boolean } {
  let answered = false;
  return {
    stream: stream.pipeThrough(
      new TransformStream<TPart, TPart>({
        transform(part, controller) {
          if (part.type === 'text-delta' || part.type === 'tool-call' || part.type === 'reasoning-delta') {
            answered = true;
          }
          controller.enqueue(part);
        },
      }),
    ),
    answered: () => answered,
  };
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
