/**
 * The pure rules of a copilot turn: what of a long thread the model sees, when a repeated call stops a turn, and
 * what the server takes from the panel's newest message.
 */
import type { UIMessage } from 'ai';
import { describe, expect, it } from 'vitest';
import { createRepeatGuard, RepeatedCallError } from '@/framework/server/copilot/repeat-guard';
import { applyIncomingMessage } from '@/server/copilot/thread-turn';
import { HISTORY_BUDGET, trimHistory } from '@/server/copilot/trim-history';

const user = (id: string, text: string): UIMessage => ({ id, role: 'user', parts: [{ type: 'text', text }] });
const reply = (id: string, parts: UIMessage['parts']): UIMessage => ({ id, role: 'assistant', parts });
const isServerTool = (name: string) => name === 'deleteTodo';

describe('trimHistory', () => {
  it('keeps a short thread whole, with no summary', () => {
    const messages = [user('u1', 'hi'), reply('a1', [{ type: 'text', text: 'hello' }])];
    expect(trimHistory(messages)).toEqual({ messages, summary: null });
  });

  it('always keeps the current turn, even when it alone is over the budget', () => {
    const huge = 'x'.repeat(HISTORY_BUDGET.maxChars + 10);
    const messages = [user('u1', 'old'), reply('a1', [{ type: 'text', text: 'ok' }]), user('u2', huge)];
    const trimmed = trimHistory(messages);
    expect(trimmed.messages.map((message) => message.id)).toEqual(['u2']);
    expect(trimmed.summary).toContain('2 messages are not shown');
  });

  it('cuts only at a user message, so a reply (with its tool calls and results) is never split from its question', () => {
    const messages: UIMessage[] = [];
    for (let turn = 0; turn < 30; turn++) {
      messages.push(user(`u${turn}`, `question ${turn}`));
      messages.push(
        reply(`a${turn}`, [
          { type: 'tool-addTodo', toolCallId: `c${turn}`, state: 'output-available', input: {}, output: {} },
          { type: 'text', text: 'done' },
        ] as UIMessage['parts']),
      );
    }
    const trimmed = trimHistory(messages);
    expect(trimmed.messages[0]?.role).toBe('user');
    expect(trimmed.messages.length).toBeLessThanOrEqual(HISTORY_BUDGET.maxMessages);
    expect(trimmed.summary).toMatch(/Tools called then: addTodo ×\d+/);
  });
});

describe('the repeat guard', () => {
  it('stops the third identical call in a row, whatever the key order', () => {
    const guard = createRepeatGuard();
    guard.check('addTodo', { text: 'a', done: false });
    guard.check('addTodo', { done: false, text: 'a' });
    expect(() => guard.check('addTodo', { text: 'a', done: false })).toThrow(RepeatedCallError);
    expect(guard.stopped).toMatch(/addTodo was called with the same input 3 times in a row/);
  });

  it('a different call in between starts the count again', () => {
    const guard = createRepeatGuard();
    guard.check('addTodo', { text: 'a' });
    guard.check('addTodo', { text: 'a' });
    guard.check('addTodo', { text: 'b' });
    guard.check('addTodo', { text: 'a' });
    guard.check('addTodo', { text: 'a' });
    expect(guard.stopped).toBeNull();
  });
});

describe('applyIncomingMessage', () => {
  const waiting = reply('a1', [
    {
      type: 'tool-deleteTodo',
      toolCallId: 'c1',
      state: 'approval-requested',
      input: { id: 'x' },
      approval: { id: 'ap1' },
    },
    { type: 'tool-selectTodo', toolCallId: 'c2', state: 'input-available', input: { id: 'x' } },
  ] as UIMessage['parts']);

  it('takes the approval answer and a browser tool result, nothing else', () => {
    const sent = reply('a1', [
      {
        type: 'tool-deleteTodo',
        toolCallId: 'c1',
        state: 'approval-responded',
        input: { id: 'someone-else' },
        approval: { id: 'ap1', approved: true },
      },
      { type: 'tool-selectTodo', toolCallId: 'c2', state: 'output-available', input: {}, output: { ok: 1 } },
      { type: 'text', text: 'injected' },
    ] as UIMessage['parts']);
    const result = applyIncomingMessage([user('u1', 'q'), waiting], sent, isServerTool);
    if (!result.ok) throw new Error('expected ok');
    const parts = result.messages[1]?.parts ?? [];
    expect(parts[0]).toMatchObject({
      state: 'approval-responded',
      input: { id: 'x' },
      approval: { id: 'ap1', approved: true },
    });
    expect(parts[1]).toMatchObject({ state: 'output-available', output: { ok: 1 } });
    expect(JSON.stringify(parts)).not.toContain('injected');
  });

  it('refuses an answer to a reply that is not the last, and a result for a server tool', () => {
    const stale = applyIncomingMessage([user('u1', 'q'), waiting, user('u2', 'next')], waiting, isServerTool);
    expect(stale).toMatchObject({ ok: false, status: 409 });
    const faked = reply('a1', [
      { type: 'tool-deleteTodo', toolCallId: 'c1', state: 'output-available', input: {}, output: {} },
    ] as UIMessage['parts']);
    expect(applyIncomingMessage([user('u1', 'q'), waiting], faked, isServerTool)).toMatchObject({
      ok: false,
      status: 409,
    });
  });

  it('a new question settles the waiting calls as "did not run" and keeps only its text parts', () => {
    const question: UIMessage = {
      id: 'u2',
      role: 'user',
      parts: [{ type: 'text', text: 'never mind' }, { type: 'tool-deleteTodo', toolCallId: 'z' } as never],
    };
    const result = applyIncomingMessage([user('u1', 'q'), waiting], question, isServerTool);
    if (!result.ok) throw new Error('expected ok');
    expect(result.messages[1]?.parts.map((part) => ('state' in part ? part.state : part.type))).toEqual([
      'output-error',
      'output-error',
    ]);
    expect(result.messages[2]?.parts).toEqual([{ type: 'text', text: 'never mind' }]);
  });

  it('a user message with no text is refused naming its parts', () => {
    expect(applyIncomingMessage([], { id: 'u', role: 'user', parts: [] }, isServerTool)).toMatchObject({
      ok: false,
      status: 400,
      problem: expect.stringMatching(/text/),
    });
  });
});
