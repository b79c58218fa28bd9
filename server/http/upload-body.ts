/**
 * The body of a file upload as a bounded stream of bytes: counted as it arrives (Content-Length may lie or be
 * absent, as in a chunked upload), and unwrapped from multipart/form-data as it streams. Every way a body can be
 * wrong ends in an {@link UploadError} with the status to answer, never in a 500.
 */
import { firstFilePart, MalformedMultipartError, multipartBoundary } from './multipart-file';
import { mediaTypeOf } from './request-guards';

/** A refused upload: 413 when too large, 400 when malformed or cut short. */
export class UploadError extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
    this.name = 'UploadError';
  }
}

/** The request body, chunk by chunk, ending with a 413 UploadError as soon as more than `maxBytes` arrived. */
async function* limitedChunks(request: Request, maxBytes: number): AsyncGenerator<Uint8Array> {
  if (Number(request.headers.get('content-length') ?? 0) > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return;
  const reader = request.body.getReader();
  let bytes = 0;
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch {
        // The client went away mid-upload (or the connection broke): there is nothing valid to import.
        throw new UploadError(400, 'The upload ended before the body was complete');
      }
      if (next.done) return;
      bytes += next.value.byteLength;
      if (bytes > maxBytes) throw tooLarge(maxBytes);
      yield next.value;
    }
  } finally {
    // Stop receiving (a refusal, or the reader of this generator gave up): the rest is not wanted. Not awaited: the
    // body's source (undici over Node's request stream) settles a cancel only after a read it has pending, which can
    // wait on a client that is itself blocked until we answer; the refusal must not wait for it.
    void reader.cancel().catch(() => undefined);
  }
}

function tooLarge(maxBytes: number): UploadError {
  return new UploadError(413, `File too large: at most ${maxBytes / 1024} KiB`);
}

/**
 * The uploaded file's bytes: the body itself for `text/csv`, the first file part for `multipart/form-data`
 * (the whole body, framing included, counts towards `maxBytes`). The caller has checked the media type.
 */
export async function* uploadedFile(request: Request, maxBytes: number): AsyncGenerator<Uint8Array> {
  const chunks = limitedChunks(request, maxBytes);
  if (mediaTypeOf(request) !== 'multipart/form-data') {
    yield* chunks;
    return;
  }
  const boundary = multipartBoundary(request.headers.get('content-type'));
  if (!boundary) throw new UploadError(400, 'Not a valid multipart upload: the Content-Type has no boundary');
  try {
    yield* firstFilePart(chunks, boundary);
  } catch (error) {
    if (error instanceof MalformedMultipartError) {
      throw new UploadError(400, `Not a valid multipart upload: ${error.message}`);
    }
    throw error;
  }
}
