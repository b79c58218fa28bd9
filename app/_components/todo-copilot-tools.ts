'use client';
/**
 * What the list page lets the copilot do in the tab (browser-run tools) and suggest (prompt chips), declared here
 * next to the page that owns the state they act on. Each tool reports what it did, for the model to read.
 */
import { useRouter } from 'next/navigation';
import { useCopilotBrowserTool, useCopilotSuggestions } from '@/client/copilot/browser-tools';
import type { SyncedRows } from '@/mutators/synced-tables';

type Todo = SyncedRows['todos'];

interface ListPage {
  todos: Todo[];
  selectedTodoId: string | null;
  select: (id: string | null) => void;
  fillAddBox: (text: string) => void;
}

/** The todo named by id or, failing that, by (part of) its text; an Error the model can read otherwise. */
function findTodo(todos: Todo[], input: Record<string, unknown>): Todo {
  const { id, text } = input;
  const byId = typeof id === 'string' ? todos.find((todo) => todo.id === id) : undefined;
  const needle = typeof text === 'string' ? text.trim().toLowerCase() : '';
  const byText = needle ? todos.find((todo) => todo.text.toLowerCase().includes(needle)) : undefined;
  const todo = byId ?? byText;
  if (!todo)
    throw new Error('No todo on the list matches that id or text: give the id of a todo on the list');
  return todo;
}

function scrollTo(id: string) {
  document.querySelector(`[data-id="${CSS.escape(id)}"]`)?.scrollIntoView({ block: 'center' });
}

const todoRef = {
  type: 'object' as const,
  properties: {
    id: { type: 'string', description: 'The todo’s id' },
    text: { type: 'string', description: 'Or (part of) the todo’s text, when the id is not known' },
  },
};

export function useListPageCopilot({ todos, selectedTodoId, select, fillAddBox }: ListPage): void {
  const router = useRouter();
  useCopilotBrowserTool({
    name: 'selectTodo',
    description:
      'Select a todo on the page (the user sees it highlighted; then setTodoText can rename it). By id or text.',
    parameters: todoRef,
    execute(input) {
      const todo = findTodo(todos, input);
      select(todo.id);
      scrollTo(todo.id);
      return { selected: { id: todo.id, text: todo.text } };
    },
  });
  useCopilotBrowserTool({
    name: 'scrollToTodo',
    description: 'Scroll the page to a todo, by id or text.',
    parameters: todoRef,
    execute(input) {
      const todo = findTodo(todos, input);
      scrollTo(todo.id);
      return { shown: { id: todo.id, text: todo.text } };
    },
  });
  useCopilotBrowserTool({
    name: 'fillAddBox',
    description:
      'Type text into the page’s "New todo" box for the user to review and add (it does not add it).',
    parameters: {
      type: 'object',
      properties: { text: { type: 'string', description: 'The text to put in the box' } },
      required: ['text'],
    },
    execute(input) {
      if (typeof input.text !== 'string' || !input.text.trim()) throw new Error('“text” must be some text');
      fillAddBox(input.text.slice(0, 500));
      return { filled: input.text.slice(0, 500) };
    },
  });
  useCopilotBrowserTool({
    name: 'openSettings',
    description: 'Open the settings page (model id, system prompt, API key, API tokens).',
    parameters: { type: 'object', properties: {} },
    async execute() {
      router.push('/settings');
      // Answer once there: the model's next step is then asked from the settings page (with its tools).
      const deadline = Date.now() + 5_000;
      while (window.location.pathname !== '/settings' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      if (window.location.pathname !== '/settings') throw new Error('The settings page did not open');
      return { opened: '/settings' };
    },
  });

  const open = todos.filter((todo) => !todo.completed);
  const selected = todos.find((todo) => todo.id === selectedTodoId);
  const suggestions = [
    selected ? `Rename “${selected.text.slice(0, 40)}”` : null,
    todos.length > 0 ? 'Summarize my list' : 'Add a todo to water the plants',
    open.length > 0 ? `Mark “${(open[0]?.text ?? '').slice(0, 40)}” done` : null,
    todos.some((todo) => todo.completed) ? 'Start fresh' : null,
  ].filter((text): text is string => text !== null);
  useCopilotSuggestions(suggestions);
}
