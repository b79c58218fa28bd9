/**
 * Fuzzing every entry point a client can reach — every tRPC procedure, the copilot's chat endpoint and the MCP
 * endpoint — with generated invalid and hostile input (fast-check, property-based). Properties:
 *
 * - never a 5xx (and the chat handler never throws);
 * - input the procedure's schema refuses gets a 4xx that names the field (zod issues with a `path`);
 * - a rejected call changes nothing in the database (every table, rows and contents, is fingerprinted before and
 *   after each call).
 *
 * Reproducible: every property runs with a fixed seed, {@link SEED} (per-procedure and per-tool properties use
 * SEED + their index, shown in the test name), and generated values hold no random ids; a failure prints the seed,
 * the path and the shrunk counterexample, and `fc.assert(..., { seed, path })` replays exactly that case.
 *
 * What is accepted, and why:
 * - An empty issue `path` only when the input as a whole has the wrong type (not an object), i.e. the field is the
 *   input itself.
 * - A 400 without zod issues only when the request could not be decoded at all (not JSON, a broken superjson
 *   envelope): there is no field to name; or when a mutator call repeats an already used mutation id, which replays
 *   the stored first answer (code and message only: the message text still names `args.…`).
 * - Input the schema accepts may succeed and write (counted, not checked), except on queries, which never write.
 * - A mutator call with a valid idempotency envelope (`clientId` + `mutationId`) and bad `args` consumes its mutation
 *   id by design (docs/architecture.md rule 5): one failed `sync_commits` row and the client's `client_mutations`
 *   row may change, nothing else, and the error names `args.…`.
 * - Procedures that would call a model or stream forever (`streams.draftTodo`, `sync.changes`,
 *   `actions.generateTodo`) and `actions.tidyUp` (it sleeps per todo) get invalid input only.
 * - Text holding U+0000 or an unpaired UTF-16 surrogate counts as invalid wherever it would be stored: PostgreSQL
 *   keeps U+0000 in neither text nor jsonb and refuses unpaired surrogates in jsonb, so such input must be refused as
 *   a 400 naming the field, not fail in the database.
 *
 * Cost: one database fingerprint per run (the state a run ends in is the next run's baseline), so the whole file
 * stays well within a CI minute on PGlite.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import fc from 'fast-check';
import superjson from 'superjson';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { mutators } from '@/mutators/registry';
import { createApiToken } from '@/server/auth/api-tokens';
import { handleChat } from '@/server/copilot/chat-handler';
import { createTrpcHandler } from '@/server/http/trpc';
import { handleMcp } from '@/server/mcp/mcp-handler';
import { handleAuthRequestWith } from '@/server/http/auth';
import { PEER_ADDRESS_HEADER } from '@/framework/server/limits/client-address';
import { authFor } from '@/server/auth/auth-instance';
import { mcpTools } from '@/framework/server/mcp/mcp-server';
import { appRouter } from '@/server/routers/_app';
import { forgedCookie, newSession, SESSION_COOKIE } from './helpers/auth';
import { ensureUser } from '@/framework/server/users';
import { startModelServer, type ModelServer } from '../e2e/support/model-server';
import { chatDeps, chatRequest, TEST_SECRET } from './helpers/chat';
import { changedTables, fingerprint, type Fingerprint, type TableName } from './helpers/fuzz-db';
import {
  DEEP_JSON,
  fieldValue,
  findUnstorableText,
  hostileKey,
  hostileString,
  hostileValue,
  isObjectLike,
  isStorableText,
  notJson,
  objectOf,
  objectWithFields,
} from './helpers/fuzz-inputs';
import { corrupted, validish, type JsonSchema } from './helpers/fuzz-schema';
import { createTestRuntime } from './helpers/test-database';

/** The one seed of this file: change it to explore other cases, keep it to reproduce. */
const SEED = 20261121;
const RUNS = {
  perProcedure: 15,
  unauthenticated: 100,
  tokenOnly: 8,
  chat: 150,
  chatUnauthenticated: 25,
  mcpPerTool: 20,
  mcpRaw: 50,
  auth: 150,
};
/** Time for one whole property (many calls); generous for a loaded 2-core CI machine. */
const PROPERTY_TIMEOUT = 120_000;

let runtime: Awaited<ReturnType<typeof createTestRuntime>>;
let model: ModelServer;
let trpc: (request: Request) => Promise<Response>;

/** Fuzzing users: one per endpoint, so that what a valid call writes for one does not move another's baseline. */
const users = { trpc: '', chat: '', mcp: '' };
const cookies = { trpc: '', chat: '' };
let mcpToken = '';

beforeAll(async () => {
  model = await startModelServer({ kind: 'text', chunks: ['Hello'] });
  runtime = await createTestRuntime();
  trpc = createTrpcHandler(async () => ({ runtime, sessionSecret: TEST_SECRET }));
  for (const key of ['trpc', 'chat', 'mcp'] as const) {
    users[key] = (await ensureUser(runtime, crypto.randomUUID())).id;
  }
  cookies.trpc = await cookieFor(users.trpc);
  cookies.chat = await cookieFor(users.chat);
  mcpToken = (await createApiToken(runtime.db, users.mcp, 'fuzz')).token;
});
afterAll(async () => {
  await runtime?.close();
  await model?.close();
});

async function cookieFor(userId: string) {
  return (await newSession(runtime, TEST_SECRET, userId)).cookie;
}

/** What one property saw, printed at the end so a reader knows what was exercised. */
const tally = new Map<string, number>();
const count = (label: string) => tally.set(label, (tally.get(label) ?? 0) + 1);
afterAll(() => {
  console.info(
    `[fuzz seed ${SEED}] ${[...tally.entries()].map(([label, n]) => `${label}: ${n}`).join(', ')}`,
  );
});

/** No hostile key ever reached Object.prototype (superjson, zod and the handlers all saw `__proto__` keys). */
function expectNoPrototypePollution() {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_KEYS);
}
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

/**
 * The fingerprint each run starts from: the one the previous run ended with, so that a run costs one fingerprint,
 * not two. A run that may have written (valid input), or that failed (fast-check then shrinks, replaying runs),
 * leaves none, and the next run takes a fresh one; so does the first run of every test.
 */
let baseline: Fingerprint | null = null;
beforeEach(() => {
  baseline = null;
});

/** One fuzz run: `body` gets the database state before the call, and returns the state after it if it knows it. */
async function fuzzRun(body: (before: Fingerprint) => Promise<Fingerprint | null>): Promise<void> {
  const before = baseline ?? (await fingerprint(runtime.db));
  baseline = null;
  baseline = await body(before);
}

/** The database compared with `before`: unchanged, or changed only in the `allowed` tables (by at most n rows). */
async function expectUnchanged(
  before: Fingerprint,
  allowed: Partial<Record<TableName, 0 | 1>> = {},
): Promise<Fingerprint> {
  const after = await fingerprint(runtime.db);
  const changed = changedTables(before, after);
  for (const [table, delta] of Object.entries(changed) as [TableName, number][]) {
    const limit = allowed[table];
    expect(limit !== undefined && delta >= 0 && delta <= limit, `${table} changed (${delta} rows)`).toBe(
      true,
    );
  }
  return after;
}

/** A fixed id for generated values, so that every run of a seed sends byte-identical requests. */
const SOME_UUID = '5f0c4a52-7d2e-4c1b-9a43-2b8e6f1d0c37';

/** Credentials that prove no user: none, garbage (and badly %-encoded) cookies, forged sessions, bad tokens. */
const headerText = fc.string({
  unit: fc.constantFrom(...'abcXYZ019%%.-_=;,+/ tas_'.split('')),
  maxLength: 40,
});
const hostileCredentials = fc.oneof(
  fc.constant({}),
  headerText.map((value) => ({ cookie: `${SESSION_COOKIE}=${value}` })),
  headerText.map((value) => ({ cookie: value })),
  fc
    .constantFrom('%', '%E0%A4%A', '%zz', `${SOME_UUID}%`, `${SOME_UUID}.AAAA`)
    .map((value) => ({ cookie: `${SESSION_COOKIE}=${value}` })),
  fc.uuid().map((id) => ({ forged: id })),
  headerText.map((value) => ({ authorization: `Bearer ${value}` })),
  headerText.map((value) => ({ authorization: `Bearer tas_${value}` })),
  headerText.map((value) => ({ authorization: value })),
);

/**
 * The request headers of a generated credential. A forged session is a real session's token (the trpc user's)
 * signed with another secret, or the generated id signed with it: only the signature is wrong.
 */
async function credentialHeaders(credential: Record<string, string>): Promise<Record<string, string>> {
  if (!credential.forged) return credential;
  const realToken = decodeURIComponent(cookies.trpc.split('=')[1] ?? '').split('.')[0] ?? '';
  const token = credential.forged.startsWith('0') ? realToken : credential.forged;
  return { cookie: forgedCookie(token, 'another-secret-that-is-at-least-32-characters') };
}

// ─── tRPC ──────────────────────────────────────────────────────────────────────────────────────────────────────

interface AnyProcedure {
  _def: { type: 'query' | 'mutation' | 'subscription'; inputs: unknown[] };
}
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, AnyProcedure>).map(
  ([path, procedure]) => ({ path, type: procedure._def.type, inputs: procedure._def.inputs }),
);
type ProcedureInfo = (typeof procedures)[number];

/** Never run with valid input: they would call a model, stream until aborted, or sleep per todo. */
const INVALID_ONLY = new Set(['streams.draftTodo', 'sync.changes', 'actions.generateTodo', 'actions.tidyUp']);
/** Input that goes to a model and is never stored: text the database could not store is harmless there. */
const NOT_STORED = new Set(['streams.draftTodo']);

/** Mirrors the envelope check of framework/server/runtime/executor.ts (it is not exported). */
const envelopeSchema = z
  .object({
    args: z.unknown(),
    clientId: z.string().min(1).max(64).optional(),
    mutationId: z.number().int().positive().optional(),
  })
  .refine((value) => (value.clientId === undefined) === (value.mutationId === undefined), {
    message: 'clientId and mutationId go together',
    path: ['mutationId'],
  });

interface Verdict {
  /** The server must accept it (as far as input goes). */
  valid: boolean;
  /** The schema alone accepts it (unstorable text aside): what must never reach a model-calling procedure. */
  schemaValid: boolean;
  /** A mutator call whose idempotency envelope is valid and carries ids: a rejection consumes the id. */
  consumesId: boolean;
  /** That envelope's client id. */
  clientId?: string;
}

function mutatorOf(path: string) {
  const name = path.slice('mutators.'.length);
  return Object.hasOwn(mutators, name) ? mutators[name as keyof typeof mutators] : null;
}

/** What the server should make of this decoded input, judged by the procedure's own schemas. */
function judge(procedure: ProcedureInfo, input: unknown): Verdict {
  const mutator = procedure.path.startsWith('mutators.') ? mutatorOf(procedure.path) : null;
  if (mutator) {
    const envelope = envelopeSchema.safeParse(input);
    if (!envelope.success) return { valid: false, schemaValid: false, consumesId: false };
    const args = mutator.input.safeParse(envelope.data.args);
    const clientIdStorable = findUnstorableText(envelope.data.clientId) === null;
    const consumesId = envelope.data.clientId !== undefined && clientIdStorable;
    return {
      valid: args.success && clientIdStorable && findUnstorableText(args.data) === null,
      schemaValid: args.success,
      consumesId,
      clientId: envelope.data.clientId,
    };
  }
  const schema = procedure.inputs[0] as z.ZodType | undefined;
  if (!schema) return { valid: true, schemaValid: true, consumesId: false };
  const parsed = schema.safeParse(input);
  const storable =
    NOT_STORED.has(procedure.path) || (parsed.success && findUnstorableText(parsed.data) === null);
  return { valid: parsed.success && storable, schemaValid: parsed.success, consumesId: false };
}

/** The JSON schema of a zod input schema (a `z.date()` and the like become `{}`); `{}` without one. */
function jsonSchemaOf(schema: unknown): JsonSchema {
  // Core's class: mutators' `zod/mini` schemas as well as full zod's.
  return schema instanceof z.core.$ZodType
    ? (z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema)
    : {};
}

/**
 * Input for one procedure: values its schema describes (valid ones too: hostile text may hide in them), the same
 * with one place corrupted, values aimed at its field names, and anything at all. Mutators get the idempotency
 * envelope around their args, with fresh, gapped and hostile client ids.
 */
function inputArbitrary(procedure: ProcedureInfo): fc.Arbitrary<unknown> {
  const opts = { superjson: true };
  const mutator = procedure.path.startsWith('mutators.') ? mutatorOf(procedure.path) : null;
  const schema = jsonSchemaOf(mutator ? mutator.input : procedure.inputs[0]);
  const keys = Object.keys(schema.properties ?? {});
  const aimed = objectWithFields(keys.length > 0 ? keys : ['id', 'text'], fieldValue(opts), opts);
  if (!mutator) {
    return fc.oneof(
      { weight: 2, arbitrary: validish(schema, opts) },
      { weight: 1, arbitrary: validish(schema, { ...opts, unstorable: true }) },
      { weight: 3, arbitrary: corrupted(schema, opts) },
      { weight: 2, arbitrary: aimed },
      { weight: 1, arbitrary: hostileValue(opts) },
    );
  }
  const ids = fc.oneof(
    fc.constant({}),
    fc.record({ clientId: fc.uuid(), mutationId: fc.constantFrom(1, 1, 2) }),
    fc.record(
      {
        clientId: fc.oneof(hostileString, hostileValue(opts)),
        mutationId: fc.oneof(fc.constant(1), hostileValue(opts)),
      },
      { requiredKeys: [] },
    ),
  );
  const envelope = (args: fc.Arbitrary<unknown>) =>
    fc.tuple(args, ids).map(([value, extra]) => ({ args: value, ...extra }));
  return fc.oneof(
    { weight: 2, arbitrary: envelope(validish(schema, opts)) },
    { weight: 1, arbitrary: envelope(validish(schema, { ...opts, unstorable: true })) },
    { weight: 3, arbitrary: envelope(corrupted(schema, opts)) },
    { weight: 2, arbitrary: envelope(aimed) },
    { weight: 1, arbitrary: hostileValue(opts) },
  );
}

/** One request body or query input as sent, and what the server decodes from it (if it can). */
interface Wire {
  kind: string;
  body: string | FormData | Uint8Array<ArrayBuffer>;
  contentType: string | null;
  decoded: { ok: true; value: unknown } | { ok: false };
}

function decodeText(text: string): Wire['decoded'] {
  try {
    return { ok: true, value: superjson.deserialize(JSON.parse(text) as never) };
  } catch {
    return { ok: false };
  }
}

/**
 * The superjson envelope of a value, as the tRPC client sends it; superjson itself refuses to serialize keys such as
 * `__proto__`, so those are sent as a hand-made envelope (what a hostile client would do).
 */
function superjsonText(value: unknown): string {
  try {
    return JSON.stringify(superjson.serialize(value));
  } catch {
    return JSON.stringify({ json: value }, (_key, item: unknown) =>
      typeof item === 'bigint' ? item.toString() : item,
    );
  }
}

const json = (kind: string, text: string): Wire => ({
  kind,
  body: text,
  contentType: 'application/json',
  decoded: decodeText(text),
});

/** Superjson `meta` that asks for transformations that do not exist or do not fit. */
const hostileMeta = fc.record(
  {
    values: fc.oneof(
      fc.constantFrom('Date', 'bigint', 'set', 'map', 'regexp', 'undefined', 'number', 'class', 'symbol'),
      fc.dictionary(
        hostileKey,
        fc.constantFrom(['class', 'Foo'], ['custom', 'x'], ['Date'], 'bigint', ['symbol', 'x'], 'map', 'set'),
        { maxKeys: 3, noNullPrototype: true },
      ),
      hostileValue({ superjson: false }),
    ),
    referentialEqualities: fc.oneof(
      fc.dictionary(
        hostileKey,
        fc.array(fc.constantFrom('__proto__.polluted', 'constructor.prototype.x', '')),
        {
          maxKeys: 2,
          noNullPrototype: true,
        },
      ),
      hostileValue({ superjson: false }),
    ),
    v: fc.oneof(fc.constant(1), hostileValue({ superjson: false })),
  },
  { requiredKeys: [] },
);

function wireArbitrary(procedure: ProcedureInfo): fc.Arbitrary<Wire> {
  const input = inputArbitrary(procedure);
  const plainJson = hostileValue({ superjson: false });
  const variants: fc.Arbitrary<Wire>[] = [
    input.map((value) => json('superjson', superjsonText(value))),
    input.map((value) => json('superjson', superjsonText(value))),
    input.map((value) => json('superjson', superjsonText(value))),
    plainJson.map((value) => json('plain JSON', JSON.stringify(value) ?? 'null')),
    notJson.map((text) => json('not JSON', text)),
    fc
      .tuple(input, hostileMeta)
      .map(([value, meta]) =>
        json(
          'hostile meta',
          JSON.stringify({ json: (JSON.parse(superjsonText(value)) as { json: unknown }).json, meta }),
        ),
      ),
    fc.constantFrom(...DEEP_JSON).map((deep) => json('deep', `{"json":${deep}}`)),
  ];
  if (procedure.type === 'mutation') {
    // Bodies other than JSON are refused (415) before tRPC decodes them (issue 12 item 7): none is decoded.
    variants.push(
      fc.constantFrom<Wire>(
        { kind: 'text/plain', body: '{"json":{}}', contentType: 'text/plain', decoded: { ok: false } },
        {
          kind: 'form-urlencoded',
          body: 'args=1&clientId=x',
          contentType: 'application/x-www-form-urlencoded',
          decoded: { ok: false },
        },
        { kind: 'no content-type', body: '{"json":{}}', contentType: null, decoded: { ok: false } },
        {
          kind: 'form-data',
          body: formData({ args: '{}', text: 'x', id: SOME_UUID }),
          contentType: null,
          decoded: { ok: false },
        },
        {
          kind: 'octet-stream',
          body: new Uint8Array([0, 1, 2, 255]),
          contentType: 'application/octet-stream',
          decoded: { ok: false },
        },
      ),
    );
  }
  const wire = fc.oneof(...variants);
  return INVALID_ONLY.has(procedure.path)
    ? wire.filter(
        (candidate) => !candidate.decoded.ok || !judge(procedure, candidate.decoded.value).schemaValid,
      )
    : wire;
}

function formData(fields: Record<string, string>) {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.set(key, value);
  return form;
}

interface TrpcErrorJson {
  message: string;
  code: number;
  data: {
    code: string;
    httpStatus: number;
    issues: { path: (string | number)[]; message: string }[] | null;
  };
}

/** Sends one call the way the tRPC client would (GET for queries and subscriptions, POST for mutations). */
async function sendTrpc(
  procedure: ProcedureInfo,
  wire: Wire,
  headers: Record<string, string>,
): Promise<{ status: number; error: TrpcErrorJson | null; sse: boolean }> {
  const url = `http://app.test/api/trpc/${procedure.path}`;
  const abort = new AbortController();
  const request =
    procedure.type === 'mutation'
      ? new Request(url, {
          method: 'POST',
          headers: { ...headers, ...(wire.contentType ? { 'content-type': wire.contentType } : {}) },
          body: wire.body,
          signal: abort.signal,
        })
      : new Request(`${url}?input=${encodeURIComponent(typeof wire.body === 'string' ? wire.body : '')}`, {
          headers: {
            ...headers,
            ...(procedure.type === 'subscription' ? { accept: 'text/event-stream' } : {}),
          },
          signal: abort.signal,
        });
  const response = await trpc(request);
  try {
    if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
      const event = await firstEvent(response);
      const error =
        event?.event === 'serialized-error'
          ? (superjson.deserialize(JSON.parse(event.data) as never) as TrpcErrorJson)
          : null;
      return { status: response.status, error, sse: true };
    }
    const text = await response.text();
    const body = text ? (JSON.parse(text) as { error?: { json: TrpcErrorJson } }) : {};
    return { status: response.status, error: body.error?.json ?? null, sse: false };
  } finally {
    abort.abort();
  }
}

/** The first event of an SSE response other than `connected`/`ping`, or null if none comes within 5 s. */
async function firstEvent(response: Response): Promise<{ event: string; data: string } | null> {
  if (!response.body) return null;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), 5_000);
  });
  try {
    for (;;) {
      const chunk = await Promise.race([reader.read(), timeout]);
      if (chunk === null || chunk.done) return null;
      buffer += chunk.value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: ?(.*)$/m.exec(block)?.[1] ?? 'message';
        const data = /^data: ?(.*)$/m.exec(block)?.[1];
        // A block without data (the `retry:` preface, server/http/sse-retry.ts) dispatches no event in SSE.
        if (data !== undefined && event !== 'connected' && event !== 'ping') return { event, data };
      }
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => undefined); // The stream may already be closed; nothing to check here.
  }
}

/** A 400 for input the schema refuses: zod issues, each naming its field (or the input, if not an object). */
function expectIssuesNamingFields(error: TrpcErrorJson | null, input: unknown) {
  expect(error?.data.code).toBe('BAD_REQUEST');
  const issues = error?.data.issues;
  expect(issues, `no zod issues in "${error?.message}"`).toEqual(expect.any(Array));
  expect(issues?.length).toBeGreaterThan(0);
  for (const issue of issues ?? []) {
    expect(issue.message).not.toBe('');
    if (issue.path.length === 0) expect(isObjectLike(input), 'an empty path for an object input').toBe(false);
  }
}

/** Client ids the fuzzing user has sent with a mutation id: a later call with one of them may be a replay. */
const usedClientIds = new Set<string>();

/**
 * A mutator call with bad args inside a valid idempotency envelope. A fresh id is consumed by the rejection (400
 * naming `args.…`; one failed commit and the client's row change, nothing else); an id past the next one is a gap
 * (409, nothing written); an id already used is a replay of that id's first answer (its stored error keeps only
 * code and message, so the fields are named in the message text).
 */
async function expectIdempotentRejection(
  before: Fingerprint,
  verdict: Verdict,
  status: number,
  error: TrpcErrorJson | null,
) {
  const replay = verdict.clientId !== undefined && usedClientIds.has(verdict.clientId);
  if (verdict.clientId !== undefined) usedClientIds.add(verdict.clientId);
  const after = await expectUnchanged(before, { sync_state: 1, sync_commits: 1, client_mutations: 1 });
  expect(replay ? [200, 400, 409] : [400, 409], error?.message).toContain(status);
  if (status === 400 && error?.data.issues) {
    expectIssuesNamingFields(error, {});
    for (const issue of error.data.issues) expect(issue.path[0]).toBe('args');
  } else if (status === 400) {
    expect(replay, `400 without issues: ${error?.message}`).toBe(true);
    expect(error?.message).toContain('"args"');
  }
  return after;
}

describe(`tRPC procedures (fast-check seed ${SEED})`, () => {
  it('enumerates every procedure of appRouter', () => {
    expect(procedures.length).toBeGreaterThanOrEqual(30);
    for (const procedure of procedures)
      expect(['query', 'mutation', 'subscription']).toContain(procedure.type);
  });

  it.each(procedures.map((procedure, index) => [procedure.path, SEED + index, procedure] as const))(
    '%s: hostile input → never 5xx, 400 naming the field, nothing written (seed %i)',
    async (_path, seed, procedure) => {
      await fc.assert(
        fc.asyncProperty(wireArbitrary(procedure), (wire) =>
          fuzzRun(async (before) => {
            const { status, error, sse } = await sendTrpc(procedure, wire, { cookie: cookies.trpc });
            expect(status, error?.message).toBeLessThan(500);
            expect(error?.data.httpStatus ?? 0, error?.message).toBeLessThan(500);
            expectNoPrototypePollution();
            const outcome = sse ? error?.data.httpStatus : status;

            if (!wire.decoded.ok) {
              // Undecodable: refused (unless the procedure reads no input at all), and nothing happened.
              count('tRPC undecodable');
              if (procedure.inputs.length > 0) expect(outcome).toBeGreaterThanOrEqual(400);
              return expectUnchanged(before);
            }
            const verdict = judge(procedure, wire.decoded.value);
            if (verdict.valid) {
              // Valid input may legitimately write; queries never do.
              count('tRPC valid input');
              if (verdict.clientId !== undefined) usedClientIds.add(verdict.clientId);
              return procedure.type === 'query' ? expectUnchanged(before) : null;
            }
            count('tRPC invalid input');
            if (verdict.consumesId) return expectIdempotentRejection(before, verdict, status, error);
            expect(outcome, error?.message).toBe(400);
            expectIssuesNamingFields(error, wire.decoded.value);
            return expectUnchanged(before);
          }),
        ),
        { seed, numRuns: RUNS.perProcedure },
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    `without a valid session every procedure answers 401, never 5xx, and writes nothing (seed ${SEED})`,
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...procedures),
          hostileCredentials,
          hostileValue({ superjson: true }),
          (procedure, credential, value) =>
            fuzzRun(async (before) => {
              const headers = await credentialHeaders(credential);
              const wire = json('superjson', superjsonText(value));
              const { status, error, sse } = await sendTrpc(procedure, wire, headers);
              expect(status, `${procedure.path}: ${error?.message}`).toBeLessThan(500);
              expect(sse ? error?.data.httpStatus : status, `${procedure.path}: ${error?.message}`).toBe(401);
              expect(error?.data.code).toBe('UNAUTHORIZED');
              count('tRPC unauthenticated');
              return expectUnchanged(before);
            }),
        ),
        { seed: SEED, numRuns: RUNS.unauthenticated },
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    `an API token cannot reach session-only procedures: 403, whatever the input (seed ${SEED})`,
    async () => {
      const sessionOnly = procedures.filter((procedure) => procedure.path.startsWith('tokens.'));
      expect(sessionOnly.length).toBeGreaterThan(0);
      for (const procedure of sessionOnly) {
        await fc.assert(
          fc.asyncProperty(inputArbitrary(procedure), (value) =>
            fuzzRun(async (before) => {
              const wire = json('superjson', superjsonText(value));
              const { status } = await sendTrpc(procedure, wire, { authorization: `Bearer ${mcpToken}` });
              expect(status).toBe(403);
              return expectUnchanged(before);
            }),
          ),
          { seed: SEED, numRuns: RUNS.tokenOnly },
        );
      }
    },
    PROPERTY_TIMEOUT,
  );
});

// ─── Chat ──────────────────────────────────────────────────────────────────────────────────────────────────────

// 409: a reply that is not the thread's last one (the server holds the thread; server/copilot/thread-turn.ts).
const CHAT_STATUSES = [200, 400, 401, 409, 413, 429, 503];

/** A user's text message as the chat transport sends it (with a fixed id, for reproducible requests). */
const textMessage = (id: string, text: string) => ({ id, role: 'user', parts: [{ type: 'text', text }] });
const VALID_TURN = { messages: [textMessage('m1', 'hi')], url: 'http://app.test/' };

const chatBody = (() => {
  // Storable hostile values: text the database cannot store is refused before the schema is even looked at, so it
  // would hide every other check; it gets its own generator below.
  const opts = { superjson: false, storable: true };
  const hostile = hostileValue(opts);
  const mostly = <T>(valid: fc.Arbitrary<T>) =>
    fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: hostile });
  const text = fc.oneof(
    fc.constantFrom('hi', 'add a todo', 'x'.repeat(8_000), 'x'.repeat(8_001), '💥', '\u202eevil'),
    hostileString.filter((candidate) => isStorableText(candidate)),
  );
  const toolPart = objectOf(
    {
      type: fc.constantFrom(
        'tool-addTodo',
        'tool-deleteTodo',
        'tool-saveModelSettings',
        'tool-nope',
        'dynamic-tool',
      ),
      toolCallId: mostly(fc.constantFrom('call-1', 'c')),
      toolName: mostly(fc.constantFrom('addTodo', 'nope')),
      state: mostly(
        fc.constantFrom(
          'input-available',
          'output-available',
          'output-error',
          'approval-requested',
          'approval-responded',
          'output-denied',
          'weird',
        ),
      ),
      input: mostly(fc.constantFrom({ text: 'x' }, {}, { id: SOME_UUID }, { text: 42 })),
      output: mostly(fc.constantFrom({ ok: true, id: SOME_UUID }, null)),
      errorText: mostly(fc.constant('failed')),
      approval: objectOf(
        { id: mostly(fc.constant('approval-1')), approved: mostly(fc.boolean()), signature: hostile },
        opts,
      ),
    },
    opts,
  );
  const otherPart = objectOf(
    {
      type: mostly(
        fc.constantFrom('reasoning', 'file', 'source-url', 'step-start', 'data-x', 'source-document'),
      ),
      text,
      url: mostly(fc.constantFrom('https://example.test/a.png', 'javascript:alert(1)', 'data:,x')),
      mediaType: mostly(fc.constantFrom('image/png', 'text/plain')),
      sourceId: hostile,
      data: hostile,
    },
    opts,
  );
  const part = fc.oneof(
    { weight: 3, arbitrary: objectOf({ type: mostly(fc.constant('text')), text: mostly(text) }, opts) },
    { weight: 3, arbitrary: toolPart },
    { weight: 1, arbitrary: otherPart },
  );
  const message = objectOf(
    {
      id: mostly(fc.constantFrom('m1', 'm2', 'x'.repeat(201))),
      role: mostly(fc.constantFrom('user', 'assistant', 'system', 'tool')),
      parts: mostly(fc.array(part, { maxLength: 3 })),
      metadata: hostile,
    },
    opts,
  );
  const url = fc.oneof(
    fc.constantFrom('http://app.test/', 'http://app.test/settings', 'http://app.test/api/mcp'),
    fc.constantFrom('not a url', 'javascript:alert(1)', `http://app.test/${'x'.repeat(2_100)}`, ''),
    hostile,
  );
  const properties = fc.oneof(
    fc.constant({}),
    fc.record({ selectedTodoId: fc.oneof(fc.constant(SOME_UUID), hostile) }),
    fc.dictionary(
      hostileKey.filter((key) => isStorableText(key)),
      hostile,
      { maxKeys: 5, noNullPrototype: true },
    ),
    fc.constant(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`p${i}`, i]))),
    fc.constant({ big: 'x'.repeat(4_001) }),
    hostile,
  );
  const structured = objectOf(
    {
      id: mostly(fc.constant('chat')),
      messages: fc.oneof(
        { weight: 5, arbitrary: fc.array(message, { minLength: 1, maxLength: 3 }) },
        {
          weight: 1,
          arbitrary: fc.constant(Array.from({ length: 101 }, (_, i) => textMessage(`m${i}`, 'x'))),
        },
        { weight: 1, arbitrary: fc.constant([]) },
        { weight: 1, arbitrary: hostile },
      ),
      trigger: mostly(fc.constantFrom('submit-message', 'regenerate-message')),
      messageId: mostly(fc.constant('m1')),
      url,
      properties,
    },
    opts,
  );
  // A valid turn with one or two edits: gets past the first checks to the deeper ones (the AI SDK's validation of
  // the UI messages and their tool parts, the tools for the page, saving), and at times is valid as a whole (200).
  const edit = fc.oneof(
    fc.tuple(
      fc.constantFrom<(string | number)[]>(['messages', 0, 'parts', 0], ['messages', 0, 'parts', 1]),
      part,
    ),
    fc.tuple(fc.constantFrom<(string | number)[]>(['messages', 1], ['messages', 0]), message),
    fc.tuple(
      fc.constantFrom<(string | number)[]>(['messages', 1]),
      fc
        .array(toolPart, { minLength: 1, maxLength: 2 })
        .map((parts) => ({ id: 'a1', role: 'assistant', parts })),
    ),
    fc.tuple(
      fc.constantFrom<(string | number)[]>(
        ['id'],
        ['messages'],
        ['messages', 0, 'id'],
        ['messages', 0, 'role'],
        ['messages', 0, 'parts'],
        ['messages', 0, 'parts', 0, 'type'],
        ['messages', 0, 'parts', 0, 'text'],
        ['messages', 0, 'metadata'],
        ['trigger'],
        ['messageId'],
      ),
      fc.oneof(hostile, text),
    ),
    fc.tuple(fc.constant<(string | number)[]>(['url']), url),
    fc.tuple(
      fc.constantFrom<(string | number)[]>(['properties'], ['properties', 'selectedTodoId']),
      properties,
    ),
  );
  const edited = fc.array(edit, { minLength: 1, maxLength: 2 }).map((edits) => {
    const body = structuredClone({ ...VALID_TURN, id: 'chat', trigger: 'submit-message', properties: {} });
    for (const [path, value] of edits) setAt(body, path, value);
    return JSON.stringify(body);
  });
  // A valid turn but for text the database cannot store, somewhere in what would be saved.
  const unstorableText = fc.constantFrom('a\u0000b', 'lone \ud800', '\udc00', '\u0000');
  const unstorable = fc
    .tuple(
      fc.constantFrom<(string | number)[]>(
        ['messages', 0, 'parts', 0, 'text'],
        ['messages', 0, 'id'],
        ['messages', 0, 'metadata', 'note'],
        ['messages', 0, 'parts', 0, 'providerMetadata', 'x', 'y'],
        ['messages', 0, 'parts', 1, 'text'],
        ['properties', 'selectedTodoId'],
      ),
      unstorableText,
      fc.boolean(),
    )
    .map(([path, value, asKey]) => {
      const body = structuredClone(VALID_TURN) as Record<string | number, unknown>;
      if (path.at(-2) === 1) setAt(body, [...path.slice(0, -1), 'type'], 'text');
      if (asKey) setAt(body, [...path.slice(0, -1), value], 'x');
      else setAt(body, path, value);
      return JSON.stringify(body);
    });
  const valid = JSON.stringify(VALID_TURN);
  return fc.oneof(
    { weight: 3, arbitrary: structured.map((body) => JSON.stringify(body) ?? 'null') },
    { weight: 5, arbitrary: edited },
    { weight: 1, arbitrary: unstorable },
    { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: notJson },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(...DEEP_JSON)
        .chain((deep) =>
          fc.constantFrom(
            deep,
            `{"messages":${deep},"url":"http://app.test/"}`,
            `{"messages":[{"id":"m","role":"user","parts":[{"type":"text","text":"hi"}],"metadata":${deep}}],"url":"http://app.test/"}`,
            `{"messages":[{"id":"m","role":"user","parts":[{"type":"text","text":"hi","extra":${deep}}]}],"url":"http://app.test/"}`,
            `{"messages":[{"id":"m","role":"user","parts":[{"type":"text","text":"hi"}]}],"url":"http://app.test/","properties":{"p":${deep}}}`,
          ),
        ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        `${valid.slice(0, -1)},"padding":"${'x'.repeat(600 * 1024)}"}`,
        valid.slice(0, 20),
        `${valid}\u0000`,
        `\ufeff${valid}`,
      ),
    },
  );
})();

/** Sets `value` at `path` inside `target`, making the containers on the way (objects, or arrays for numbers). */
function setAt(target: Record<string | number, unknown>, path: (string | number)[], value: unknown) {
  let container: Record<string | number, unknown> = target;
  for (const [index, key] of path.entries()) {
    if (index === path.length - 1) {
      container[key] = value;
      return;
    }
    const next = container[key];
    if (typeof next !== 'object' || next === null)
      container[key] = typeof path[index + 1] === 'number' ? [] : {};
    container = container[key] as Record<string | number, unknown>;
  }
}

describe(`chat endpoint (fast-check seed ${SEED})`, () => {
  it(
    `hostile bodies → 200/400/401/409/413/429/503, never a throw; 400 names the field; nothing written unless 200`,
    async () => {
      const deps = chatDeps(runtime, model.baseUrl);
      await fc.assert(
        fc.asyncProperty(chatBody, (body) =>
          fuzzRun(async (before) => {
            const response = await handleChat(chatRequest(body, cookies.chat), deps);
            expect(CHAT_STATUSES, `HTTP ${response.status}`).toContain(response.status);
            expectNoPrototypePollution();
            count(`chat ${response.status}`);
            if (response.status === 200) {
              await response.text(); // Let the turn finish (and save the conversation) before the next run.
              return null;
            }
            const answer = (await response.json()) as {
              error: string;
              issues?: { path: string[]; message: string }[];
            };
            expect(answer.error).toEqual(expect.any(String));
            expect(answer.error.length).toBeGreaterThan(0);
            if (response.status === 400) expectChatErrorNamesField(body, answer);
            return expectUnchanged(before);
          }),
        ),
        { seed: SEED, numRuns: RUNS.chat },
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    `a valid turn without a valid session → 401, nothing written (seed ${SEED})`,
    async () => {
      const deps = chatDeps(runtime, model.baseUrl);
      await fc.assert(
        fc.asyncProperty(hostileCredentials, (credential) =>
          fuzzRun(async (before) => {
            const request = new Request('http://app.test/api/chat', {
              method: 'POST',
              headers: { 'content-type': 'application/json', ...(await credentialHeaders(credential)) },
              body: JSON.stringify(VALID_TURN),
            });
            const response = await handleChat(request, deps);
            expect(response.status).toBe(401);
            expect(((await response.json()) as { error: string }).error).toMatch(/session/);
            count('chat unauthenticated');
            return expectUnchanged(before);
          }),
        ),
        { seed: SEED, numRuns: RUNS.chatUnauthenticated },
      );
    },
    PROPERTY_TIMEOUT,
  );
});

/** A chat 400 says where: the first issue's path in the message, or the body as a whole when it is not JSON. */
function expectChatErrorNamesField(body: string, answer: { error: string; issues?: { path: string[] }[] }) {
  if (answer.error === 'The request body is not JSON') {
    expect(() => JSON.parse(body.replace(/^\ufeff/, '')) as unknown).toThrow();
    return;
  }
  if (answer.error.startsWith('Invalid chat messages: ')) {
    // The AI SDK's deep check of the UI messages (tool parts against the tools' schemas): its message carries the
    // zod issues, each with its path inside `messages`.
    expect(answer.error).toMatch(/"path":\s*\[/);
    return;
  }
  expect(answer.error).toMatch(/^Invalid chat request: /);
  const issues = answer.issues ?? [];
  expect(issues.length).toBeGreaterThan(0);
  const parsed = JSON.parse(body.replace(/^\ufeff/, '')) as unknown; // The body is read as UTF-8: a BOM goes.
  for (const issue of issues) {
    if (issue.path.length === 0) expect(isObjectLike(parsed), 'an empty path for an object body').toBe(false);
  }
  const first = issues[0]?.path.join('.') ?? '';
  expect(answer.error).toContain(`${first}: `);
}

// ─── MCP ───────────────────────────────────────────────────────────────────────────────────────────────────────

const mcpDeps = () => ({ runtime, sessionSecret: TEST_SECRET });
const mcpFetch: typeof fetch = async (input, init) =>
  handleMcp(new Request(input instanceof Request ? input : String(input), init), mcpDeps());

async function postMcp(body: string, headers: Record<string, string> = {}, method = 'POST') {
  const response = await handleMcp(
    new Request('http://app.test/api/mcp', {
      method,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${mcpToken}`,
        ...headers,
      },
      ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
    }),
    mcpDeps(),
  );
  const text = await response.text();
  return { status: response.status, text };
}

interface JsonRpcAnswer {
  id?: unknown;
  result?: { isError?: boolean; content?: { type: string; text?: string }[] };
  error?: { code: number; message: string };
}

describe(`MCP endpoint (fast-check seed ${SEED})`, () => {
  let listed: { name: string; inputSchema: { properties?: Record<string, unknown> } }[] = [];

  beforeAll(async () => {
    const client = new Client({ name: 'fuzz', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL('http://app.test/api/mcp'), {
        fetch: mcpFetch,
        requestInit: { headers: { authorization: `Bearer ${mcpToken}` } },
      }),
    );
    listed = (await client.listTools()).tools;
    await client.close();
  });

  it('lists the tools to fuzz, with the same names as the server’s own tool list', () => {
    const { tools } = mcpTools(runtime, { id: users.mcp }, 'http://app.test');
    expect(listed.map((tool) => tool.name).sort()).toEqual(tools.map((tool) => tool.name).sort());
    expect(listed.length).toBeGreaterThan(0);
  });

  it(
    `tools/call on every listed tool with hostile arguments: never 5xx, errors name the field, nothing written (seed ${SEED})`,
    async () => {
      const { tools } = mcpTools(runtime, { id: users.mcp }, 'http://app.test');
      let id = 0;
      for (const [index, listedTool] of listed.entries()) {
        const schema = tools.find((tool) => tool.name === listedTool.name)?.inputSchema;
        if (!schema) throw new Error(`${listedTool.name} is listed but not in mcpTools()`);
        const opts = { superjson: false };
        const listedSchema = listedTool.inputSchema as JsonSchema;
        const args = fc.oneof(
          { weight: 2, arbitrary: validish(listedSchema, opts) },
          { weight: 1, arbitrary: validish(listedSchema, { ...opts, unstorable: true }) },
          { weight: 3, arbitrary: corrupted(listedSchema, opts) },
          {
            weight: 2,
            arbitrary: objectWithFields(Object.keys(listedSchema.properties ?? {}), fieldValue(opts), opts),
          },
          { weight: 1, arbitrary: hostileValue(opts) },
        );
        await fc.assert(
          fc.asyncProperty(args, (value) =>
            fuzzRun(async (before) => {
              const wire = JSON.parse(JSON.stringify(value) ?? 'null') as unknown;
              const request = {
                jsonrpc: '2.0',
                id: ++id,
                method: 'tools/call',
                params: { name: listedTool.name, arguments: wire },
              };
              const { status, text } = await postMcp(JSON.stringify(request));
              expect(status, text).toBeLessThan(500);
              expectNoPrototypePollution();
              const answer = JSON.parse(text) as JsonRpcAnswer;
              expect(answer.id).toBe(request.id);
              const failed = answer.error !== undefined || answer.result?.isError === true;
              const message =
                answer.error?.message ?? answer.result?.content?.map((item) => item.text).join('\n') ?? '';

              const parsed = isObjectLike(wire) ? z.safeParse(schema, wire) : null;
              const unstorable = parsed?.success ? findUnstorableText(parsed.data) : null;
              if (parsed?.success && unstorable === null) {
                // Valid arguments may write (addTodo); a tool error (say, no such todo) writes nothing.
                count('MCP valid arguments');
                return failed ? expectUnchanged(before) : null;
              }
              count('MCP invalid arguments');
              expect(failed, text).toBe(true);
              // Names the field: `arguments` when they are not an object, else the first failing field.
              const field = !parsed
                ? 'arguments'
                : (unstorable ?? parsed.error?.issues[0]?.path ?? []).join('.');
              expect(message).toContain(field);
              return expectUnchanged(before);
            }),
          ),
          { seed: SEED + index, numRuns: RUNS.mcpPerTool },
        );
      }
    },
    PROPERTY_TIMEOUT,
  );

  it(
    `malformed JSON-RPC requests: never 5xx, a JSON-RPC error when JSON comes back, nothing written (seed ${SEED})`,
    async () => {
      const opts = { superjson: false };
      const mostly = <T>(valid: fc.Arbitrary<T>) =>
        fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: hostileValue(opts) });
      const message = objectOf(
        {
          jsonrpc: mostly(fc.constantFrom('2.0', '1.0', '')),
          id: fc.oneof(fc.integer(), fc.constant(null), hostileValue(opts)),
          method: mostly(
            fc.constantFrom(
              'tools/call',
              'tools/list',
              'initialize',
              'ping',
              'resources/list',
              'prompts/get',
              'completion/complete',
              'logging/setLevel',
              'notifications/initialized',
              'notifications/cancelled',
              '__proto__',
            ),
          ),
          params: objectOf(
            {
              // Only read-only or unoffered tool names: a raw request may be valid, but can then write nothing.
              name: mostly(
                fc.constantFrom('listTodos', 'summarizeTodos', 'deleteTodo', 'startFresh', 'nope'),
              ),
              arguments: hostileValue(opts),
              _meta: hostileValue(opts),
              cursor: hostileValue(opts),
              protocolVersion: mostly(fc.constantFrom('2025-06-18', '1999-01-01')),
              capabilities: hostileValue(opts),
              clientInfo: hostileValue(opts),
              level: hostileValue(opts),
            },
            opts,
          ),
        },
        opts,
      );
      const body = fc.oneof(
        { weight: 5, arbitrary: message.map((value) => JSON.stringify(value) ?? 'null') },
        { weight: 1, arbitrary: fc.array(message, { maxLength: 3 }).map((batch) => JSON.stringify(batch)) },
        { weight: 2, arbitrary: notJson },
        { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
        { weight: 1, arbitrary: fc.constantFrom(...DEEP_JSON) },
      );
      const headers = fc.oneof(
        { weight: 6, arbitrary: fc.constant({}) },
        {
          weight: 1,
          arbitrary: fc.constantFrom<Record<string, string>>(
            { 'content-type': 'text/plain' },
            { accept: 'application/json' },
            { accept: 'text/html' },
            { 'mcp-protocol-version': '1999-01-01' },
            { 'mcp-session-id': 'forged' },
          ),
        },
      );
      const method = fc.oneof(
        { weight: 8, arbitrary: fc.constant('POST') },
        { weight: 1, arbitrary: fc.constantFrom('GET', 'DELETE', 'PUT') },
      );
      await fc.assert(
        fc.asyncProperty(body, headers, method, (text, extraHeaders, httpMethod) =>
          fuzzRun(async (before) => {
            const { status, text: answer } = await postMcp(text, extraHeaders, httpMethod);
            expect(status, answer).toBeLessThan(500);
            expectNoPrototypePollution();
            count(`MCP raw ${status}`);
            if (status >= 400 && answer) {
              const parsed = JSON.parse(answer) as JsonRpcAnswer;
              expect(parsed.error?.message, answer).toEqual(expect.any(String));
            }
            return expectUnchanged(before);
          }),
        ),
        { seed: SEED, numRuns: RUNS.mcpRaw },
      );
    },
    PROPERTY_TIMEOUT,
  );
});

/** Better Auth's routes, the ones a browser or an attacker can reach (disabled ones included: they must stay 404). */
const AUTH_PATHS = [
  'sign-up/email',
  'sign-in/email',
  'sign-in/social',
  'sign-in/anonymous',
  'delete-anonymous-user',
  'sign-out',
  'get-session',
  'list-sessions',
  'revoke-session',
  'revoke-sessions',
  'revoke-other-sessions',
  'request-password-reset',
  'reset-password',
  'verify-email',
  'send-verification-email',
  'change-password',
  'change-email',
  'update-user',
  'delete-user',
  'callback/github',
  'nope',
];

describe(`Better Auth routes (fast-check seed ${SEED})`, () => {
  it(
    `hostile bodies, credentials and origins: never 5xx, nothing written when refused (seed ${SEED})`,
    async () => {
      const auth = authFor(runtime, TEST_SECRET);
      const opts = { superjson: false };
      const mostly = <T>(valid: fc.Arbitrary<T>) =>
        fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: hostileValue(opts) });
      const fields = objectOf(
        {
          email: mostly(fc.constantFrom('fuzz@example.com', 'not-an-email', '', 'a@b.c')),
          password: mostly(fc.constantFrom('short', 'long enough password', 'x'.repeat(129))),
          name: mostly(fc.constantFrom('Fuzz', '')),
          token: hostileValue(opts),
          newPassword: mostly(fc.constantFrom('short', 'another long password')),
          currentPassword: hostileValue(opts),
          callbackURL: mostly(
            fc.constantFrom('/', 'https://evil.example/steal', '//evil.example', 'javascript:alert(1)'),
          ),
          redirectTo: mostly(fc.constantFrom('/reset-password', 'https://evil.example/')),
          provider: mostly(fc.constantFrom('github', 'google', 'nope')),
          newEmail: hostileValue(opts),
        },
        opts,
      );
      const body = fc.oneof(
        { weight: 5, arbitrary: fields.map((value) => JSON.stringify(value) ?? 'null') },
        { weight: 2, arbitrary: notJson },
        { weight: 1, arbitrary: fc.constantFrom(...DEEP_JSON) },
      );
      const origin = fc.constantFrom<string | null>(
        'http://app.test',
        'http://app.test',
        'http://evil.example',
        'null',
        null,
      );
      const credential = fc.oneof(
        { weight: 3, arbitrary: fc.constant<Record<string, string>>({ valid: '1' }) },
        { weight: 2, arbitrary: hostileCredentials },
      );
      const contentType = fc.constantFrom(
        'application/json',
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
      );
      const method = fc.oneof(
        { weight: 6, arbitrary: fc.constant('POST') },
        { weight: 1, arbitrary: fc.constantFrom('GET', 'DELETE', 'PUT') },
      );
      // The valid session belongs to a user of its own: a successful sign-out or revocation ends only it.
      const valid = await newSession(runtime, TEST_SECRET);
      let runNumber = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...AUTH_PATHS),
          body,
          origin,
          credential,
          contentType,
          method,
          (path, text, from, cred, type, httpMethod) =>
            fuzzRun(async (before) => {
              const headers: Record<string, string> = {
                'content-type': type,
                // A new address per run: Better Auth's rate limits must not turn the fuzz into a 429 test.
                [PEER_ADDRESS_HEADER]: `198.51.${Math.floor(++runNumber / 250) % 250}.${runNumber % 250}`,
                ...('valid' in cred ? { cookie: valid.cookie } : await credentialHeaders(cred)),
              };
              if (from !== null) headers.origin = from;
              const response = await handleAuthRequestWith(
                new Request(
                  `http://app.test/api/auth/${path}`,
                  httpMethod === 'GET' ? { headers } : { method: httpMethod, headers, body: text },
                ),
                auth,
              );
              const answer = await response.text();
              expect(response.status, `${httpMethod} ${path}: ${answer}`).toBeLessThan(500);
              expectNoPrototypePollution();
              count(`auth ${response.status}`);
              const foreign = from === 'http://evil.example' || from === 'null';
              if (foreign && httpMethod !== 'GET') expect(response.status).toBeGreaterThanOrEqual(400);
              // Guests are made by the proxy alone (rate limited per address), never over HTTP.
              if (path === 'sign-in/anonymous' || path === 'delete-anonymous-user')
                expect([403, 404]).toContain(response.status);
              if (response.status >= 400 || foreign) return expectUnchanged(before);
              return null; // Accepted: it may have written (a sign-up, a sign-out).
            }),
        ),
        { seed: SEED, numRuns: RUNS.auth },
      );
    },
    PROPERTY_TIMEOUT,
  );
});
