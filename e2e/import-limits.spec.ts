/**
 * Issue 12 item 13: POST /api/todos/import against the real production server (`next start`), with raw HTTP so
 * that what a browser or script can send is sent as is: a malformed multipart body gets 400, an upload over the
 * limit gets 413 while it is still streaming (chunked, no Content-Length: nothing is buffered whole), never a
 * 500; and a refusal closes its connection, so a keep-alive client does not send its next request into a socket
 * the server has given up on (ECONNRESET).
 */
import http from 'node:http';
import net from 'node:net';
import { expect, test } from '@playwright/test';
import { newSessionCookie } from './support/next-server';

const BOUNDARY = 'e2e-import-boundary';
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;
/** Long rows, so that the size limit (1 MiB) is reached before the row limit (5,000 rows). */
const LONG_ROW = `${'x'.repeat(400)},false\n`;

function filePart(content: string): string {
  return (
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="todos.csv"\r\n` +
    `Content-Type: text/csv\r\n\r\n${content}`
  );
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * Sends a chunked upload (no Content-Length) of `totalBytes` after `head`, 64 KiB at a time, and returns the
 * response as soon as it arrives. With `holdOpen`, the body is never finished: only a server that answers while
 * the upload still streams can answer at all.
 */
async function chunkedUpload(
  url: string,
  cookie: string,
  options: { head: string; totalBytes: number; holdOpen?: boolean; agent?: http.Agent; contentType?: string },
): Promise<RawResponse> {
  // A server that refuses mid-upload answers and closes; a chunk this client had in flight then meets a reset, and
  // Node reports the failed write (EPIPE / ECONNRESET) without reading the answer already on the socket. Only that
  // client-side race is retried; any answer, and any other error, is final.
  for (let attempt = 1; ; attempt++) {
    try {
      return await chunkedUploadOnce(url, cookie, options);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (attempt === 3 || (code !== 'EPIPE' && code !== 'ECONNRESET')) throw error;
    }
  }
}

function chunkedUploadOnce(
  url: string,
  cookie: string,
  options: { head: string; totalBytes: number; holdOpen?: boolean; agent?: http.Agent; contentType?: string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${url}/api/todos/import`, {
      method: 'POST',
      agent: options.agent,
      headers: { cookie, 'content-type': options.contentType ?? MULTIPART },
    });
    let answered = false;
    request.on('response', (response) => {
      answered = true;
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (text: string) => (body += text));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
    });
    // Once answered, the server stops reading: writes after that may fail, which is expected.
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    const chunk = Buffer.from(LONG_ROW.repeat(160));
    let sent = 0;
    // One chunk per turn of the event loop, so that an answer on the socket is read (and stops the upload)
    // before the next chunk is written.
    const pump = () => {
      if (answered) return;
      if (sent === 0) {
        request.write(options.head);
        sent += options.head.length;
      }
      if (sent < options.totalBytes) {
        sent += chunk.length;
        if (request.write(chunk)) setImmediate(pump);
        else request.once('drain', () => setImmediate(pump));
        return;
      }
      if (!options.holdOpen) request.end();
    };
    pump();
  });
}

function post(url: string, cookie: string, headers: Record<string, string>, body: string) {
  return fetch(`${url}/api/todos/import`, {
    method: 'POST',
    headers: { cookie, ...headers },
    body,
  });
}

test.describe('issue 12 item 13: the CSV import is streamed and bounded on the real server', () => {
  let cookie = '';
  test.beforeAll(async ({ baseURL }) => {
    cookie = await newSessionCookie(baseURL ?? '');
  });

  test('item 13: malformed multipart bodies get 400 naming the problem, not 500', async ({ baseURL }) => {
    const url = baseURL ?? '';
    const cases: [string, Record<string, string>, string, RegExp][] = [
      [
        'no boundary parameter',
        { 'content-type': 'multipart/form-data' },
        filePart('a,false\r\n'),
        /no boundary/,
      ],
      ['another boundary', { 'content-type': MULTIPART }, '--other\r\n\r\nx\r\n--other--\r\n', /no boundary/],
      ['cut short', { 'content-type': MULTIPART }, filePart('a,false\nb,false\n'), /ends inside a part/],
      [
        'no file part',
        { 'content-type': MULTIPART },
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--${BOUNDARY}--\r\n`,
        /no file part/,
      ],
      ['garbage', { 'content-type': MULTIPART }, '\u0000\u0001 not multipart at all', /no boundary/],
    ];
    for (const [name, headers, body, message] of cases) {
      const response = await post(url, cookie, headers, body);
      expect(response.status, name).toBe(400);
      expect(((await response.json()) as { error: string }).error, name).toMatch(message);
    }
    // And a well-formed one still imports.
    const good = await post(
      url,
      cookie,
      { 'content-type': MULTIPART },
      `${filePart('From multipart,true\n')}\r\n--${BOUNDARY}--\r\n`,
    );
    expect(good.status).toBe(200);
    expect(await good.json()).toEqual({ imported: 1 });
  });

  test('item 13: a chunked multipart upload over 10 MB gets 413 with Connection: close', async ({
    baseURL,
  }) => {
    const response = await chunkedUpload(baseURL ?? '', cookie, {
      head: `${filePart('text,completed\n')}`,
      totalBytes: 11 * 1024 * 1024,
    });
    expect(response.status).toBe(413);
    expect(response.headers.connection).toBe('close');
    expect(JSON.parse(response.body)).toEqual({ error: expect.stringContaining('File too large') });
  });

  test('item 13: an upload without Content-Length is refused while it streams, not buffered whole', async ({
    baseURL,
  }) => {
    // 2 MB sent and the body never finished: a server that buffers the whole upload before looking never answers.
    const response = await chunkedUpload(baseURL ?? '', cookie, {
      head: filePart(''),
      totalBytes: 2 * 1024 * 1024,
      holdOpen: true,
    });
    expect(response.status).toBe(413);
  });

  test('item 13: after a refused chunked upload the next request on a keep-alive agent works (no ECONNRESET)', async ({
    baseURL,
  }) => {
    const url = baseURL ?? '';
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // A CSV body and a multipart one, twice each: every refusal must leave the agent a usable connection.
      for (const contentType of ['text/csv', MULTIPART, 'text/csv', MULTIPART]) {
        const refused = await chunkedUpload(url, cookie, {
          head: contentType === MULTIPART ? filePart('') : 'text,completed\n',
          totalBytes: 3 * 1024 * 1024,
          agent,
          contentType,
        });
        expect(refused.status).toBe(413);
        const next = await new Promise<number>((resolve, reject) => {
          http
            .get(`${url}/api/health`, { agent }, (response) => {
              response.resume();
              response.on('end', () => resolve(response.statusCode ?? 0));
            })
            .on('error', reject);
        });
        expect(next).toBe(200);
      }
    } finally {
      agent.destroy();
    }
  });

  test('item 13: on a raw socket, the refusal says Connection: close and the server closes it cleanly', async ({
    baseURL,
  }) => {
    const { hostname, port } = new URL(baseURL ?? '');
    const socket = net.connect(Number(port), hostname);
    socket.on('error', () => undefined); // Writes after the refusal may fail; what the server sent is checked below.
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => (received += text));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(
      `POST /api/todos/import HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: keep-alive\r\n` +
        `Cookie: ${cookie}\r\nContent-Type: ${MULTIPART}\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    const head = filePart('');
    socket.write(`${head.length.toString(16)}\r\n${head}\r\n`);
    const chunk = LONG_ROW.repeat(160);
    for (let sent = 0; sent < 3 * 1024 * 1024 && !received.includes('\r\n\r\n'); sent += chunk.length) {
      if (!socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`)) {
        await new Promise<void>((resolve) => {
          socket.once('drain', resolve);
          socket.once('close', resolve);
        });
      }
      if (socket.destroyed) break;
    }
    await closed;
    const [statusLine, ...headerLines] = received.split('\r\n\r\n')[0]?.split('\r\n') ?? [];
    expect(statusLine).toBe('HTTP/1.1 413 Payload Too Large');
    expect(headerLines.map((line) => line.toLowerCase())).toContain('connection: close');
  });
});
