/**
 * The CSV import and export handlers in-process (the real-server cases of item 13 are in e2e/import-limits.spec.ts):
 * the streamed multipart reader (issue 12 item 13), the line and field of a row with NUL (item 16) and the formula
 * escape of the export with its round trip through import (item 16).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { todos } from '@/db/schema';
import type { ContextDeps } from '@/server/context';
import { escapeFormula, unescapeFormula } from '@/server/http/csv-formula';
import { firstFilePart, MalformedMultipartError } from '@/server/http/multipart-file';
import { handleTodosExportWith, importTodosFromRequest } from '@/server/http/todos-csv';
import { ensureUser } from '@/framework/server/users';
import { sessionCookie, TEST_SECRET } from './helpers/chat';
import { fingerprint } from './helpers/fuzz-db';
import { createTestRuntime } from './helpers/test-database';

const APP = 'http://app.test';
let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
let deps: ContextDeps;

beforeAll(async () => {
  runtime = await createTestRuntime();
  deps = { runtime, sessionSecret: TEST_SECRET };
});
afterAll(() => runtime?.close());

async function newUser() {
  const user = await ensureUser(runtime, crypto.randomUUID());
  return { id: user.id, cookie: await sessionCookie(runtime, user.id) };
}

function upload(cookie: string, contentType: string, body: BodyInit) {
  return importTodosFromRequest(
    new Request(`${APP}/api/todos/import`, {
      method: 'POST',
      headers: { cookie, 'content-type': contentType },
      body,
    }),
    deps,
  );
}

async function textsOf(userId: string): Promise<string[]> {
  const rows = await runtime.db
    .select({ text: todos.text })
    .from(todos)
    .where(sql`${todos.ownerId} = ${userId}`)
    .orderBy(todos.position);
  return rows.map((row) => row.text);
}

async function collect(chunks: Uint8Array[], boundary: string): Promise<string> {
  async function* source() {
    yield* chunks;
  }
  const parts: Buffer[] = [];
  for await (const part of firstFilePart(source(), boundary)) parts.push(part);
  return Buffer.concat(parts).toString();
}

const BOUNDARY = '----formdata-test-7d1';
const multipartBody = (file: string) =>
  `preamble\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\nnot the file\r\n` +
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="todos.csv"\r\nContent-Type: text/csv\r\n\r\n` +
  `${file}\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="second"; filename="b.csv"\r\n\r\nsecond file\r\n` +
  `--${BOUNDARY}--\r\nepilogue`;

describe('issue 12 item 13: the multipart upload is streamed', () => {
  it('item 13: finds the first file part whatever the chunk boundaries are', async () => {
    const file = 'text,completed\r\nA line with \r\n-- inside,false\r\n';
    const body = Buffer.from(multipartBody(file));
    for (let cut = 1; cut < body.length; cut++) {
      expect(await collect([body.subarray(0, cut), body.subarray(cut)], BOUNDARY)).toBe(file);
    }
    const bytes = [...body].map((byte) => Uint8Array.of(byte));
    expect(await collect(bytes, BOUNDARY)).toBe(file);
  });

  it('item 13: yields the file before the body has ended (nothing is buffered whole)', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    async function* slowBody() {
      yield Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="a.csv"\r\n\r\n`,
      );
      yield Buffer.from('x'.repeat(1_000));
      await held; // the rest of the body never arrives until the first bytes were seen
      yield Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
    }
    const reader = firstFilePart(slowBody(), BOUNDARY);
    const first = await reader.next();
    expect(first.done).toBe(false);
    release();
    for await (const chunk of reader) expect(chunk).toBeInstanceOf(Buffer);
  });

  it('item 13: malformed bodies fail with a reason', async () => {
    const cases: [string, string, RegExp][] = [
      ['no boundary', 'just text', /no boundary/],
      [
        'truncated',
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="a"\r\n\r\nabc`,
        /ends inside a part/,
      ],
      ['headers never end', `--${BOUNDARY}\r\n${'X-Long: y\r\n'.repeat(3_000)}`, /headers too long/],
      [
        'no file',
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--${BOUNDARY}--`,
        /no file part/,
      ],
      ['junk after a boundary', `--${BOUNDARY}junk\r\n\r\n`, /not followed by a line break/],
    ];
    for (const [name, body, message] of cases) {
      const failure = await collect([Buffer.from(body)], BOUNDARY).then(
        () => null,
        (error: unknown) => error,
      );
      expect(failure, name).toBeInstanceOf(MalformedMultipartError);
      expect((failure as Error).message, name).toMatch(message);
    }
  });

  it('item 13: the handler answers a malformed or oversized multipart body with 400 / 413, writing nothing', async () => {
    const { cookie } = await newUser();
    const before = await fingerprint(runtime.db);
    const cases: [string, BodyInit, number][] = [
      [`multipart/form-data; boundary=${BOUNDARY}`, 'garbage', 400],
      ['multipart/form-data', multipartBody('a,false'), 400],
      [`multipart/form-data; boundary=${BOUNDARY}`, multipartBody('a,false').slice(0, -30), 400],
      [
        `multipart/form-data; boundary=${BOUNDARY}`,
        multipartBody(`${'x'.repeat(400)},false\n`.repeat(3_000)),
        413,
      ],
    ];
    for (const [type, body, status] of cases) {
      const response = await upload(cookie, type, body);
      expect(response.status).toBe(status);
      expect(response.headers.get('connection')).toBe('close');
    }
    expect(await fingerprint(runtime.db)).toEqual(before);
  });

  it('item 13: a body stream that fails mid-upload is a 400, not a 500', async () => {
    const { cookie } = await newUser();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('text,completed\nhalf,'));
        controller.error(new Error('connection reset by peer'));
      },
    });
    const response = await importTodosFromRequest(
      new Request(`${APP}/api/todos/import`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'text/csv' },
        body,
        duplex: 'half',
      } as RequestInit),
      deps,
    );
    expect(response.status).toBe(400);
  });
});

describe('issue 12 item 16: CSV rows name their line and field', () => {
  it('item 16: a row with NUL gets 400 naming its line and the field, and nothing is imported', async () => {
    const user = await newUser();
    const before = await fingerprint(runtime.db);
    const response = await upload(
      user.cookie,
      'text/csv',
      'text,completed\nfine,false\n\nnul\u0000here,true\n',
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'Nothing was imported: fix these rows',
      errors: [{ line: 4, field: 'text', message: expect.stringContaining('NUL') }],
    });
    expect(await fingerprint(runtime.db)).toEqual(before);
  });

  it('item 16: a quoted field over several lines is reported at the line it starts on', async () => {
    const user = await newUser();
    const response = await upload(user.cookie, 'text/csv', 'text,completed\n"two\nlines",maybe\n');
    expect(await response.json()).toMatchObject({ errors: [{ line: 2, field: 'completed' }] });
  });
});

describe('issue 12 item 16: the CSV export guards against formula injection', () => {
  const risky = [
    '=HYPERLINK("http://evil.example","click")',
    '+1+2',
    '-2+3',
    '@SUM(A1:A2)',
    "'quoted already",
    "'=escaped by hand",
    'plain text',
    'a = b, with "quotes"',
  ];

  it('item 16: escapes cells a spreadsheet would run, and unescapes exactly what it escaped', () => {
    for (const text of [...risky, '\tTab first', '\rCR first']) {
      const cell = escapeFormula(text);
      expect(/^[=+\-@\t\r]/.test(cell)).toBe(false);
      expect(unescapeFormula(cell)).toBe(text);
    }
    expect(escapeFormula('plain')).toBe('plain');
    expect(unescapeFormula("'hello")).toBe("'hello"); // a hand-written quote before plain text stays
  });

  it('item 16: export then import gives back the original texts', async () => {
    const owner = await newUser();
    await runtime.db.insert(todos).values(
      // (A tab or CR first is escaped too, see above, but todo texts are trimmed when added, so no todo has one.)
      risky.map((text, index) => ({
        id: crypto.randomUUID(),
        ownerId: owner.id,
        text,
        position: 1_000 + index,
      })),
    );

    const exported = await handleTodosExportWith(
      new Request(`${APP}/api/todos/export`, { headers: { cookie: owner.cookie } }),
      deps,
    );
    const file = await exported.text();
    for (const line of file.split('\n').slice(1)) expect(line).not.toMatch(/^"?[=+\-@\t\r]/);

    const copy = await newUser();
    const seeded = await textsOf(copy.id); // a new user starts with example todos
    expect((await upload(copy.cookie, 'text/csv', file)).status).toBe(200);
    expect(await textsOf(copy.id)).toEqual([...seeded, ...(await textsOf(owner.id))]);
  });
});
