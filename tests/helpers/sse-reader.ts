/**
 * Reads a Server-Sent Events response body as it arrives: the events so far, a wait for the next one that matches,
 * and a promise of the end of the stream (the server closed it).
 */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

export interface SseReader {
  readonly events: SseEvent[];
  /** Resolves when the body ends. */
  readonly ended: Promise<void>;
  /** The first event (already received or still to come) for which `match` holds; rejects after `timeoutMs`. */
  waitFor(match: (event: SseEvent) => boolean, what: string, timeoutMs?: number): Promise<SseEvent>;
  /** Stops reading (the client disconnects). */
  cancel(): Promise<void>;
}

export function readSse(body: NonNullable<Response['body']>): SseReader {
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let over = false;
  const ended = (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = { event: 'message', data: '' };
          let hasData = false;
          for (const line of block.split('\n')) {
            const colon = line.indexOf(':');
            if (colon <= 0) continue; // A comment or a blank line.
            const field = line.slice(0, colon);
            const text = line.slice(colon + 1).replace(/^ /, '');
            if (field === 'event') event.event = text;
            else if (field === 'data') {
              event.data += text;
              hasData = true;
            } else if (field === 'id') event.id = text;
          }
          // A block without data (the `retry:` preface, server/http/sse-retry.ts) dispatches no event in SSE.
          if (!hasData) continue;
          events.push(event);
          for (const wake of waiters) wake();
        }
      }
    } finally {
      over = true;
      for (const wake of waiters) wake();
    }
  })();

  return {
    events,
    ended,
    waitFor(match, what, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(match);
          if (found) {
            finish();
            resolve(found);
          } else if (over) {
            finish();
            reject(new Error(`The stream ended without ${what}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    cancel: () => reader.cancel(),
  };
}

/** Resolves when `promise` does; rejects naming `what` if that takes longer than `timeoutMs`. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} took longer than ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
