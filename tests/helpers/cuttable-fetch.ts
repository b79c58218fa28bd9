/**
 * A fetch whose open Server-Sent-Event responses a test can cut: the response body errors, as it would on a network
 * drop, and the EventSource reconnects with its last event id. Used by the feed fault test and the typed-client e2e.
 */
export interface CuttableFetch {
  fetch: typeof fetch;
  /** Errors every open SSE body; returns how many were cut. */
  cut(): number;
}

export function cuttableFetch(): CuttableFetch {
  const open = new Set<TransformStreamDefaultController<Uint8Array>>();
  return {
    async fetch(input, init) {
      const response = await fetch(input, init);
      if (!response.headers.get('content-type')?.includes('text/event-stream') || !response.body)
        return response;
      let own: TransformStreamDefaultController<Uint8Array> | undefined;
      const body = response.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          start(controller) {
            own = controller;
            open.add(controller);
          },
          flush() {
            if (own) open.delete(own);
          },
        }),
      );
      return new Response(body, { status: response.status, headers: response.headers });
    },
    cut() {
      for (const controller of open) controller.error(new Error('connection cut by the test'));
      const count = open.size;
      open.clear();
      return count;
    },
  };
}
