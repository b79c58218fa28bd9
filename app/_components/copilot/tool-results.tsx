'use client';
/**
 * How the app renders a tool's result in the chat (CopilotKit's per-tool rendering): a component per tool name,
 * reading the call's input and output; a tool without one shows its JSON result folded away. Results come from the
 * saved thread too, so each renderer checks the shape it reads instead of trusting it.
 */
import type { ReactNode } from 'react';

interface ResultProps {
  input: unknown;
  output: unknown;
}

const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};

function SummaryCard({ output }: ResultProps) {
  const { total, done, open, oldestOpen } = record(output);
  if (typeof total !== 'number') return null;
  return (
    <dl className="copilot-result-card" data-testid="copilot-result-summary">
      <div>
        <dt>Todos</dt>
        <dd>{total}</dd>
      </div>
      <div>
        <dt>Done</dt>
        <dd>{String(done)}</dd>
      </div>
      <div>
        <dt>Open</dt>
        <dd>{String(open)}</dd>
      </div>
      {typeof oldestOpen === 'string' && (
        <div className="wide">
          <dt>Oldest open</dt>
          <dd>{oldestOpen}</dd>
        </div>
      )}
    </dl>
  );
}

/** A link to the new todo: on the list page it scrolls to it and highlights it (todo-app.tsx reads the hash). */
function CreatedTodoLink({ input, output }: ResultProps) {
  const { id } = record(output);
  const { text } = record(input);
  if (typeof id !== 'string') return null;
  return (
    <p className="copilot-result-link">
      Added{' '}
      <a href={`/#todo-${id}`} data-testid="copilot-result-todo-link">
        {typeof text === 'string' ? text : 'the todo'}
      </a>
    </p>
  );
}

const RENDERERS: Record<string, (props: ResultProps) => ReactNode> = {
  summarizeTodos: SummaryCard,
  addTodo: CreatedTodoLink,
};

export function ToolResult({
  name,
  input,
  output,
  fallback,
}: ResultProps & { name: string; fallback: string }) {
  const Renderer = RENDERERS[name];
  const rendered = Renderer ? <Renderer input={input} output={output} /> : null;
  return (
    <>
      {rendered}
      <details className="copilot-tool-result">
        <summary>Result</summary>
        <pre>{fallback}</pre>
      </details>
    </>
  );
}
