/**
 * File operations for todos: CSV export (a streamed download) and CSV import (a streamed upload, parsed as it
 * arrives, with size and row limits, per-row errors with line numbers, and all-or-nothing through the importTodos
 * action). Neither loads a whole file into memory.
 */
import 'server-only';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { parse } from 'csv-parse';
import { and, asc, eq, gt, or, sql } from 'drizzle-orm';
import { todos } from '@/db/schema';
import { IMPORT_MAX_ROWS } from '../actions/import-todos';
import { createRequestContext } from '../context';
import { getContextDeps } from '../instance';
import { callAction } from '../runtime/action-executor';

/** Upload size limit. */
export const IMPORT_MAX_BYTES = 1024 * 1024;
const MAX_REPORTED_ERRORS = 20;
const EXPORT_PAGE = 500;

/** The same context as a tRPC request: the session's user (null without a valid cookie) and the runtime. */
async function contextOf(request: Request) {
  return createRequestContext(request, await getContextDeps());
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** GET /api/todos/export: the user's todos as CSV (text, completed), streamed page by page. */
export async function handleTodosExport(request: Request): Promise<Response> {
  const { user, db } = await contextOf(request);
  if (!user) return Response.json({ error: 'No session' }, { status: 401 });
  const userId = user.id;
  const encoder = new TextEncoder();
  let after: { position: number; id: string } | null = null;
  let headerSent = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode('text,completed\n'));
        return;
      }
      // Keyset pagination: each page continues after the last row, so memory stays at one page.
      const cursor = after;
      const page = await db
        .select({ id: todos.id, text: todos.text, completed: todos.completed, position: todos.position })
        .from(todos)
        .where(
          cursor
            ? and(
                eq(todos.ownerId, userId),
                or(
                  gt(todos.position, cursor.position),
                  and(eq(todos.position, cursor.position), gt(todos.id, cursor.id)),
                ),
              )
            : eq(todos.ownerId, userId),
        )
        .orderBy(asc(todos.position), asc(todos.id))
        .limit(EXPORT_PAGE);
      if (page.length === 0) {
        controller.close();
        return;
      }
      const last = page.at(-1);
      if (last) after = { position: last.position, id: last.id };
      controller.enqueue(
        encoder.encode(page.map((row) => `${csvField(row.text)},${row.completed}\n`).join('')),
      );
    },
  });
  return new Response(stream, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'attachment; filename="todos.csv"',
    },
  });
}

interface RowError {
  line: number;
  field: string;
  message: string;
}

const TRUE = new Set(['true', 'yes', '1', 'x', 'done']);
const FALSE = new Set(['false', 'no', '0', '']);

/**
 * POST /api/todos/import with a CSV body (text/csv, or one file in multipart form data). Columns: text[,completed],
 * with an optional header row. 400 with every problem (line and field) and nothing added, or 200 { imported }.
 */
export async function handleTodosImport(request: Request): Promise<Response> {
  const { user, runtime } = await contextOf(request);
  if (!user) return Response.json({ error: 'No session' }, { status: 401 });
  const userId = user.id;
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > IMPORT_MAX_BYTES) return tooLarge();

  const body = await csvBody(request);
  if (body === 'too-large') return tooLarge();
  if (!body)
    return Response.json(
      { error: 'Send a CSV file (text/csv, or multipart with one file)' },
      { status: 400 },
    );

  const rows: { text: string; completed: boolean }[] = [];
  const errors: RowError[] = [];
  let bytes = 0;
  let oversize = false;
  const limited = Readable.fromWeb(body as WebReadableStream<Uint8Array>);
  limited.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > IMPORT_MAX_BYTES && !oversize) {
      oversize = true;
      limited.destroy();
    }
  });
  const parser = limited.pipe(
    parse({ relax_column_count: true, skip_empty_lines: true, trim: true, bom: true }),
  );
  try {
    let line = 0;
    for await (const record of parser as AsyncIterable<string[]>) {
      line++;
      const [text = '', completed = ''] = record;
      if (line === 1 && text.toLowerCase() === 'text') continue; // header row
      if (rows.length + errors.length >= IMPORT_MAX_ROWS) {
        return Response.json({ error: `Too many rows: at most ${IMPORT_MAX_ROWS}` }, { status: 400 });
      }
      const row = validateRow(line, text, completed, errors);
      if (row) rows.push(row);
    }
  } catch (error) {
    if (oversize) return tooLarge();
    return Response.json({ error: `Not valid CSV: ${(error as Error).message}` }, { status: 400 });
  }
  if (oversize) return tooLarge();
  if (errors.length > 0) {
    return Response.json(
      { error: 'Nothing was imported: fix these rows', errors: errors.slice(0, MAX_REPORTED_ERRORS) },
      { status: 400 },
    );
  }
  if (rows.length === 0) return Response.json({ error: 'The file has no rows' }, { status: 400 });

  const [last] = await runtime.db
    .select({ max: sql<number | null>`max(${todos.position})` })
    .from(todos)
    .where(eq(todos.ownerId, userId));
  try {
    const result = await callAction(
      runtime,
      'importTodos',
      { rows, startPosition: (last?.max ?? 0) + 1, at: new Date() },
      { userId, signal: request.signal },
    );
    return Response.json(result);
  } catch (error) {
    const trpcError =
      error instanceof TRPCError ? error : new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: error });
    return Response.json({ error: trpcError.message }, { status: getHTTPStatusCodeFromError(trpcError) });
  }
}

function validateRow(line: number, text: string, completed: string, errors: RowError[]) {
  let ok = true;
  if (text.length === 0) {
    errors.push({ line, field: 'text', message: 'must not be empty' });
    ok = false;
  } else if (text.length > 500) {
    errors.push({ line, field: 'text', message: 'must be at most 500 characters' });
    ok = false;
  }
  const flag = completed.toLowerCase();
  if (!TRUE.has(flag) && !FALSE.has(flag)) {
    errors.push({ line, field: 'completed', message: `must be true or false, not "${completed}"` });
    ok = false;
  }
  return ok ? { text, completed: TRUE.has(flag) } : null;
}

async function csvBody(request: Request): Promise<ReadableStream<Uint8Array> | 'too-large' | null> {
  const type = request.headers.get('content-type') ?? '';
  if (type.startsWith('multipart/form-data')) {
    // The form parser buffers the file, but the size limit was checked on content-length first.
    const form = await request.formData();
    const file = [...form.values()].find((value): value is File => typeof value !== 'string');
    if (!file) return null;
    if (file.size > IMPORT_MAX_BYTES) return 'too-large';
    return file.stream();
  }
  return request.body;
}

function tooLarge(): Response {
  return Response.json({ error: `File too large: at most ${IMPORT_MAX_BYTES / 1024} KiB` }, { status: 413 });
}
