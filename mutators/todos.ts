/**
 * The example app's mutators. Each is one small, explicit change; the client runs it on its cache at once and the
 * server runs the same code in a transaction.
 *
 * Input schemas use `zod/mini` (functions, not methods: `z.string().check(z.maxLength(500))`), so the browser loads
 * only the checks used here rather than all of zod (issue 17). Full `zod` schemas work too; they cost the first load
 * ~25 kB gzip.
 */
import * as z from 'zod/mini';
import {
  dateInput,
  MCP_PATH,
  MutatorError,
  onPages,
  type MutatorTx,
  type ToolFillContext,
  type ToolReadContext,
} from '@/framework/shared';
import { defineMutator } from './define';
import type { SyncedRows } from './synced-tables';

const todoText = z
  .string()
  .check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(500, 'must be at most 500 characters'));

/** Tools about the todo list are offered on the list page, and to MCP clients. */
const onTodoPage = onPages('/', MCP_PATH);

/** A todo as a person names it: its text in quotes, or "a todo that is not on your list" for a bad id. */
async function todoName(read: ToolReadContext, id: unknown): Promise<string> {
  const todo =
    typeof id === 'string'
      ? await read.get<SyncedRows['todos']>('todos', id).catch(() => undefined)
      : undefined;
  return todo ? `the todo ‘${todo.text || '(being written)'}’` : 'a todo that is not on your list';
}

const quoted = (text: unknown) => (typeof text === 'string' ? `‘${text}’` : '(no text)');

/**
 * Server-made fields of a todo a tool adds: a new id, now, and a timestamp as its position (it sorts after the
 * small positions the list page makes, so a tool's todo lands at the end).
 */
const newTodoAtTheEnd = {
  id: (call: ToolFillContext) => call.newId(),
  position: (call: ToolFillContext) => call.now.getTime(),
  createdAt: (call: ToolFillContext) => call.now,
};

export const addTodo = defineMutator({
  description: 'Add a todo to the end of (or anywhere in) the list.',
  tool: {
    availableWhen: onTodoPage,
    fill: newTodoAtTheEnd,
    describe: (input) => `Add the todo ${quoted(input.text)}`,
  },
  input: z.object({
    id: z.uuid(),
    text: todoText,
    // Finite: a zod 4 number refuses NaN and ±Infinity by itself.
    position: z.number(),
    createdAt: dateInput,
  }),
  async run(tx, input) {
    await insertTodo(tx, { ...input, status: 'ready' });
  },
});

/** Adds a new, open todo; CONFLICT if the id is taken. */
async function insertTodo(
  tx: MutatorTx<SyncedRows>,
  todo: { id: string; text: string; status: 'ready' | 'generating'; position: number; createdAt: Date },
) {
  await tx.table('todos').insert({
    id: todo.id,
    ownerId: tx.userId,
    text: todo.text,
    completed: false,
    status: todo.status,
    position: todo.position,
    createdAt: todo.createdAt,
    updatedAt: todo.createdAt,
  });
}

/** Finds the user's todo or fails with NOT_FOUND (which is also what another user's todo looks like). */
async function requireTodo(tx: MutatorTx<SyncedRows>, id: string) {
  const todo = await tx.table('todos').get(id);
  if (!todo) throw new MutatorError('NOT_FOUND', `No todo with id ${id}`);
  return todo;
}

export const setTodoText = defineMutator({
  description: 'Change the text of the todo the user has selected on the page.',
  // Offered only while the page has a todo selected, and it edits that one: the model changes what the user is
  // looking at. The id is the page's claim; the executor still refuses a todo that is not the user's.
  tool: {
    availableWhen: (context) =>
      context.url?.pathname === '/' && typeof context.properties.selectedTodoId === 'string',
    fill: { id: (call) => String(call.properties.selectedTodoId), updatedAt: (call) => call.now },
    describe: (input) => `Rename the selected todo to ${quoted(input.text)}`,
  },
  input: z.object({ id: z.uuid(), text: todoText, updatedAt: dateInput }),
  async run(tx, input) {
    const todo = await requireTodo(tx, input.id);
    await tx.table('todos').set({ ...todo, text: input.text, updatedAt: input.updatedAt });
  },
});

export const setTodoCompleted = defineMutator({
  description: 'Mark a todo done or not done.',
  tool: {
    availableWhen: onTodoPage,
    fill: { updatedAt: (call) => call.now },
    describe: async (input, read) =>
      `Mark ${await todoName(read, input.id)} ${input.completed === false ? 'not done' : 'done'}`,
  },
  input: z.object({ id: z.uuid(), completed: z.boolean(), updatedAt: dateInput }),
  async run(tx, input) {
    const todo = await requireTodo(tx, input.id);
    await tx.table('todos').set({ ...todo, completed: input.completed, updatedAt: input.updatedAt });
  },
});

export const moveTodo = defineMutator({
  description: 'Move a todo to a new place in the list (position is a sort key between its new neighbours).',
  input: z.object({ id: z.uuid(), position: z.number(), updatedAt: dateInput }),
  async run(tx, input) {
    const todo = await requireTodo(tx, input.id);
    await tx.table('todos').set({ ...todo, position: input.position, updatedAt: input.updatedAt });
  },
});

export const deleteTodo = defineMutator({
  description: 'Delete a todo.',
  tool: {
    availableWhen: onTodoPage,
    needsApproval: true,
    describe: async (input, read) => `Delete ${await todoName(read, input.id)}?`,
  },
  input: z.object({ id: z.uuid() }),
  async run(tx, input) {
    await requireTodo(tx, input.id);
    await tx.table('todos').delete(input.id);
  },
});

export const clearCompleted = defineMutator({
  description: 'Delete every completed todo.',
  input: z.object({}),
  async run(tx) {
    const todos = tx.table('todos');
    for (const todo of await todos.list()) {
      if (todo.completed) await todos.delete(todo.id);
    }
  },
});

/**
 * Adds a placeholder todo that an AI action fills in, and enqueues that action in the same commit: if the todo is
 * saved, the generation is sure to run (durably); if not, it never starts.
 */
export const addGeneratedTodo = defineMutator({
  description: 'Add a todo whose text an AI model writes from a short prompt.',
  // The todo appears at once and fills in live as the generateTodo action streams the model's text.
  tool: {
    availableWhen: onTodoPage,
    fill: newTodoAtTheEnd,
  },
  input: z.object({
    id: z.uuid(),
    prompt: z
      .string()
      .check(
        z.trim(),
        z.minLength(1, 'must not be empty'),
        z.maxLength(300, 'must be at most 300 characters'),
      ),
    position: z.number(),
    createdAt: dateInput,
  }),
  async run(tx, input) {
    await insertTodo(tx, { ...input, text: '', status: 'generating' });
    await tx.enqueueAction('generateTodo', { todoId: input.id, prompt: input.prompt });
  },
});

/** Writes (part of) a generated todo's text; used by the generateTodo action as the model streams. */
export const writeGeneratedText = defineMutator({
  // Only the generateTodo action writes it (ctx.mutate); no client has a reason to.
  internal: true,
  description: "Replace a todo's text and generation status.",
  input: z.object({
    id: z.uuid(),
    text: z.string().check(z.maxLength(500)),
    status: z.enum(['ready', 'generating', 'failed']),
    updatedAt: dateInput,
  }),
  async run(tx, input) {
    const todo = await requireTodo(tx, input.id);
    await tx
      .table('todos')
      .set({ ...todo, text: input.text, status: input.status, updatedAt: input.updatedAt });
  },
});
