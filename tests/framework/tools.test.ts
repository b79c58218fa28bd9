/**
 * Tools on the fixture app: which procedures are offered for a page, MCP and a user (availability), and that a
 * call goes through the one executor and is refused where the tool was not offered, without approval when it needs
 * one, or for an internal procedure (never a tool).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { callTool, createMcpServer, listTools, type Runtime } from '@/framework/server';
import { MCP_PATH, type ToolContext } from '@/framework/shared';
import { newUser } from './fixture/clients';
import { NOTES_PAGE } from './fixture/mutators';
import { notes } from './fixture/schema';
import { createFixtureRuntime } from './fixture/server';

const ORIGIN = 'http://fixture.test';

let runtime: Runtime;
beforeAll(async () => {
  runtime = await createFixtureRuntime();
});
afterAll(() => runtime.close());

const on = (pathname: string, userId: string): ToolContext => ({
  url: new URL(pathname, ORIGIN),
  properties: {},
  user: { id: userId },
});
const signal = () => new AbortController().signal;
const ownNotes = (userId: string) => runtime.db.select().from(notes).where(eq(notes.ownerId, userId));

describe('tool listing', () => {
  it('offers each tool only where its rule allows, never an internal procedure', () => {
    const userId = crypto.randomUUID();
    const names = (pathname: string) =>
      listTools(runtime, on(pathname, userId))
        .map((tool) => tool.name)
        .toSorted();
    expect(names(NOTES_PAGE)).toEqual(['addNote', 'addNotes', 'deleteNote']);
    expect(names(MCP_PATH)).toEqual(['addNote', 'addNotes']);
    expect(names('/')).toEqual([]);
    const offline: ToolContext = { url: null, properties: {}, user: { id: userId } };
    expect(listTools(runtime, offline)).toEqual([]);
  });

  it('describes a tool without the fields the server fills, and says which need approval', () => {
    const tools = listTools(runtime, on(NOTES_PAGE, crypto.randomUUID()));
    const addNote = tools.find((tool) => tool.name === 'addNote');
    expect(addNote).toMatchObject({ procedure: 'mutators.addNote', kind: 'mutator', needsApproval: false });
    if (!addNote) throw new Error('addNote is not offered');
    expect(z.safeParse(addNote.inputSchema, { text: 'x', position: 1 }).success).toBe(true);
    expect(JSON.stringify(z.toJSONSchema(addNote.inputSchema))).not.toContain('"id"');
    expect(tools.find((tool) => tool.name === 'deleteNote')?.needsApproval).toBe(true);
  });
});

describe('tool calls', () => {
  it('run through the executor: the server fills the id, the row is the caller’s', async () => {
    const { userId } = await newUser(runtime);
    const result = (await callTool(
      runtime,
      'addNote',
      { text: 'by tool', position: 3, id: 'the-model-made-this-up' },
      on(NOTES_PAGE, userId),
      signal(),
    )) as { ok: true; id: string };
    expect(result).toMatchObject({ ok: true, id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const [row] = await runtime.db.select().from(notes).where(eq(notes.id, result.id));
    expect(row).toMatchObject({ ownerId: userId, text: 'by tool' });
  });

  it('validate input like every other path: BAD_REQUEST naming the field, nothing written', async () => {
    const { userId } = await newUser(runtime);
    await expect(
      callTool(runtime, 'addNote', { text: '', position: 1 }, on(NOTES_PAGE, userId), signal()),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      cause: { issues: [expect.objectContaining({ path: ['args', 'text'] })] },
    });
    expect(await ownNotes(userId)).toHaveLength(1);
  });

  it('are refused (FORBIDDEN) where the tool is not offered, without approval, and for internal procedures', async () => {
    const { userId } = await newUser(runtime);
    const [welcome] = await ownNotes(userId);
    if (!welcome) throw new Error('no welcome note');
    await expect(
      callTool(runtime, 'addNote', { text: 'elsewhere', position: 1 }, on('/', userId), signal()),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(
      callTool(runtime, 'deleteNote', { id: welcome.id }, on(NOTES_PAGE, userId), signal()),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    for (const internal of ['stampNote', 'stampNoteLater'])
      await expect(
        callTool(runtime, internal, { id: welcome.id, at: new Date() }, on(NOTES_PAGE, userId), signal()),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await ownNotes(userId)).toEqual([welcome]);
  });

  it('call an action tool and answer its output', async () => {
    const { userId } = await newUser(runtime);
    const input = { notes: [{ id: crypto.randomUUID(), text: 'batch', position: 1 }] };
    expect(await callTool(runtime, 'addNotes', input, on(NOTES_PAGE, userId), signal())).toEqual({
      added: 1,
    });
  });
});

describe('MCP server core', () => {
  it('lists the MCP tools (no approval-only ones) and calls them through the same executor', async () => {
    const { userId } = await newUser(runtime);
    const server = createMcpServer(runtime, { id: userId }, ORIGIN);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: 'fixture-test', version: '1.0.0' });
    await client.connect(clientSide);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).toSorted()).toEqual(['addNote', 'addNotes']);
      const result = await client.callTool({ name: 'addNote', arguments: { text: 'via mcp', position: 9 } });
      expect(result.isError).toBeFalsy();
      expect((await ownNotes(userId)).map((row) => row.text)).toContain('via mcp');
    } finally {
      await client.close();
      await server.close();
    }
  });
});
