/**
 * A streaming reader of multipart/form-data (RFC 7578): yields the content of the first file part chunk by chunk as
 * it arrives, so an upload is never held in memory whole (`Request.formData()` buffers all of it first). The parts
 * after it are read and dropped, so the body is consumed to its closing delimiter and its structure is checked to
 * the end: a truncated or malformed body fails with {@link MalformedMultipartError}.
 */

/** A body that is not valid multipart/form-data; the message says what is wrong (for a 400). */
export class MalformedMultipartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedMultipartError';
  }
}

/** A part's headers (and the preamble) may be at most this long: they are buffered until their end is found. */
const MAX_HEADER_BYTES = 16 * 1024;
const CRLF = Buffer.from('\r\n');
const HEADERS_END = Buffer.from('\r\n\r\n');

/** The boundary parameter of a multipart Content-Type (quoted or not), or null when there is none. */
export function multipartBoundary(contentType: string | null): string | null {
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType ?? '');
  return match?.[1] ?? match?.[2] ?? null;
}

function isFilePart(headers: string): boolean {
  const disposition = headers.split('\r\n').find((line) => /^content-disposition\s*:/i.test(line));
  return disposition !== undefined && /;\s*filename\*?=/i.test(disposition);
}

/**
 * The content of the first part that carries a file name, as it arrives. Throws {@link MalformedMultipartError}
 * when the body has no file part or is not well formed (no boundary, headers too long or unterminated, no closing
 * delimiter).
 */
export async function* firstFilePart(
  chunks: AsyncIterable<Uint8Array>,
  boundary: string,
): AsyncGenerator<Buffer> {
  // Every delimiter follows a CRLF; a CRLF put in front lets the first one, at the very start, match the same way.
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let buffer = Buffer.from(CRLF);
  const source = chunks[Symbol.asyncIterator]();
  const more = async (): Promise<boolean> => {
    const next = await source.next();
    if (next.done) return false;
    buffer = Buffer.concat([buffer, next.value]);
    return true;
  };
  /** Reads until `needle` is in the buffer (or `limit` bytes were searched); its index, or -1. */
  const find = async (needle: Buffer, from: number, limit: number): Promise<number> => {
    for (;;) {
      const at = buffer.indexOf(needle, from);
      if (at >= 0 || buffer.length - from > limit || !(await more())) return at;
    }
  };

  let index = await find(delimiter, 0, MAX_HEADER_BYTES);
  if (index < 0) throw new MalformedMultipartError(`no boundary "${boundary}" at the start of the body`);
  buffer = buffer.subarray(index + delimiter.length);
  let sawFile = false;
  for (;;) {
    // After a delimiter: "--" closes the body; otherwise optional padding, CRLF, then the part's headers.
    const lineEnd = await find(CRLF, 0, MAX_HEADER_BYTES);
    if (buffer.subarray(0, 2).toString() === '--') break;
    if (lineEnd < 0 || buffer.subarray(0, lineEnd).toString().trim() !== '') {
      throw new MalformedMultipartError('a boundary line is not followed by a line break');
    }
    const headersEnd = await find(HEADERS_END, lineEnd, MAX_HEADER_BYTES);
    if (headersEnd < 0) throw new MalformedMultipartError('part headers too long or not terminated');
    const wanted: boolean = !sawFile && isFilePart(buffer.subarray(lineEnd + 2, headersEnd).toString());
    sawFile ||= wanted;
    buffer = buffer.subarray(headersEnd + HEADERS_END.length);
    // The part's content: everything before the next delimiter; a tail that could start one is kept back.
    for (;;) {
      index = buffer.indexOf(delimiter);
      if (index >= 0) {
        if (wanted && index > 0) yield buffer.subarray(0, index);
        buffer = buffer.subarray(index + delimiter.length);
        break;
      }
      const safe = buffer.length - (delimiter.length - 1);
      if (safe > 0) {
        if (wanted) yield buffer.subarray(0, safe);
        buffer = buffer.subarray(safe);
      }
      if (!(await more()))
        throw new MalformedMultipartError('the body ends inside a part (no closing boundary)');
    }
  }
  if (!sawFile) throw new MalformedMultipartError('no file part');
  // Whatever follows the closing delimiter (an epilogue) is read and ignored, so the body is consumed.
  while (await more()) buffer = Buffer.alloc(0);
}
