/**
 * Tells browsers how soon to reconnect a Server-Sent Events stream that broke (a process crashed or stopped behind the
 * load balancer): the `retry:` field of the SSE format. Without it a browser's EventSource waits its own default
 * (3 s in Chromium) before it reconnects — to another process, through the balancer — and resumes by its last
 * event id. tRPC's SSE responses do not send the field, so it goes in front of their first event.
 */
import 'server-only';

/** Reconnect delay for broken streams: long enough not to hammer the surviving processes all at once. */
export const SSE_RECONNECT_MS = 1_000;

const encoder = new TextEncoder();

/** `response` with a `retry:` line before its first event when it is an SSE stream; any other response as it is. */
export function withSseRetry(response: Response, reconnectMs: number = SSE_RECONNECT_MS): Response {
  if (!response.body || !response.headers.get('content-type')?.startsWith('text/event-stream'))
    return response;
  const preface = encoder.encode(`retry: ${reconnectMs}\n\n`);
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      start(controller) {
        controller.enqueue(preface);
      },
    }),
  );
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
