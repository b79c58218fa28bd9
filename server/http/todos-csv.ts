/**
 * File operations for todos: CSV export (a streamed download) and CSV import (a streamed upload, parsed as it
 * arrives, with size and row limits, per-row errors with line numbers, and all-or-nothing through the importTodos
 * action). Neither loads a whole file into memory.
 */
import 'server-only';
import { Readable } from 'node:stream';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { CsvError, parse, type Info } from 'csv-parse';
import { and, asc, eq, gt, or, sql } from 'drizzle-orm';
import { todos } from '@/db/schema';
import { IMPORT_MAX_ROWS } from '../actions/import-todos';
import { createRequestContext, type ContextDeps } from '../context';
import { getContextDeps } from '../instance';
import { callAction } from '@/framework/server';
import { escapeFormula, unescapeFormula } from './csv-formula';
import { refuseForeignOrigin, refuseMediaType } from './request-guards';
import { UploadError, uploadedFile } from './upload-body';

/** Upload size limit: the whole request body (a multipart upload's framing counts too). */
export const IMPORT_MAX_BYTES = 1024 * 1024;
const MAX_REPORTED_ERRORS = 20;
const EXPORT_PAGE = 500;

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * GET /api/todos/export: the user's todos as CSV (text, completed), streamed page by page; texts a spreadsheet
 * would run as formulas are escaped (see csv-formula.ts), and import reads them back unchanged.
 */
export async function handleTodosExport(request: Request): Promise<Response> {
  return handleTodosExportWith(request, await getContextDeps());
}

/** {@link handleTodosExport} over the given dependencies (tests pass their own database). */
export async function handleTodosExportWith(request: Request, deps: ContextDeps): Promise<Response> {
  // The same context as a tRPC request: the session's user (null without a valid cookie) and the runtime.
  const { user, db } = await createRequestContext(request, deps);
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
        encoder.encode(page.map((row) => `${csvField(escapeFormula(row.text))},${row.completed}\n`).join('')),
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

/** What the import reads: a CSV body, or one CSV file in a form upload (what a browser's file input sends). */
const IMPORT_MEDIA_TYPES = ['text/csv', 'multipart/form-data'];

/**
 * An import refused: JSON `{ error, ... }`. `Connection: close`, because a refusal can come before the whole body
 * was read (too large, malformed, not allowed): the server stops reading, so the connection cannot carry another
 * request, and the client must be told to open a new one rather than reuse it (and get ECONNRESET).
 */
function refusal(status: number, body: object): Response {
  return Response.json(body, { status, headers: { connection: 'close' } });
}

function withConnectionClose(response: Response): Response {
  response.headers.set('connection', 'close');
  return response;
}

/**
 * POST /api/todos/import with a CSV body (text/csv, or one file in multipart form data). Columns: text[,completed],
 * with an optional header row. 400 with every problem (line and field) and nothing added, or 200 { imported }.
 */
export async function handleTodosImport(request: Request): Promise<Response> {
  return importTodosFromRequest(request, await getContextDeps());
}

/** {@link handleTodosImport} over the given dependencies (tests pass their own database). */
export async function importTodosFromRequest(request: Request, deps: ContextDeps): Promise<Response> {
  const refused =
    refuseForeignOrigin(request, deps.trustedOrigins) ?? refuseMediaType(request, IMPORT_MEDIA_TYPES);
  if (refused) return withConnectionClose(refused);
  const { user, runtime } = await createRequestContext(request, deps);
  if (!user) return refusal(401, { error: 'No session' });
  const userId = user.id;

  const rows: { text: string; completed: boolean }[] = [];
  const errors: RowError[] = [];
  const file = Readable.from(uploadedFile(request, IMPORT_MAX_BYTES), { objectMode: false });
  const parser = parse({
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
    bom: true,
    info: true,
  });
  // pipe() does not forward errors: a refused upload (too large, malformed) must end the parse with its reason.
  file.on('error', (error) => parser.destroy(error));
  file.pipe(parser);
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: Info }>) {
      // info.lines is where the record ends; a quoted field may span lines, and people look for where it starts.
      const line = info.lines - record.join('').split('\n').length + 1;
      const [text = '', completed = ''] = record;
      if (rows.length + errors.length === 0 && text.toLowerCase() === 'text') continue; // header row
      if (rows.length + errors.length >= IMPORT_MAX_ROWS) {
        return refusal(400, { error: `Too many rows: at most ${IMPORT_MAX_ROWS}` });
      }
      const row = validateRow(line, text, completed, errors);
      if (row) rows.push(row);
    }
  } catch (error) {
    if (error instanceof UploadError) return refusal(error.status, { error: error.message });
    if (error instanceof CsvError) return refusal(400, { error: `Not valid CSV: ${error.message}` });
    throw error;
  } finally {
    file.destroy();
  }
  if (errors.length > 0) {
    return refusal(400, {
      error: 'Nothing was imported: fix these rows',
      errors: errors.slice(0, MAX_REPORTED_ERRORS),
    });
  }
  if (rows.length === 0) return refusal(400, { error: 'The file has no rows' });

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

function validateRow(line: number, cell: string, completed: string, errors: RowError[]) {
  let ok = true;
  const text = unescapeFormula(cell);
  if (text.includes('\u0000')) {
    // PostgreSQL cannot store NUL in text: said here with the line, not by the insert as a bare 400.
    errors.push({ line, field: 'text', message: 'must not contain NUL (U+0000) characters' });
    ok = false;
  } else if (text.length === 0) {
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
