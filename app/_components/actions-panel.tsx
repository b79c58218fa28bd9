'use client';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '@/client/react';
import { useMutate, useRows } from '@/client/sync';
import { RunsList } from './runs-list';

/** One example of each kind of server action, and generate-with-AI. */
export function ActionsPanel() {
  const trpc = useTRPC();
  const mutate = useMutate();
  const todos = useRows('todos');
  const nextPosition = () => Math.max(0, ...todos.map((todo) => todo.position)) + 1;

  const summarize = useMutation(trpc.actions.summarizeTodos.mutationOptions());
  const tidyUp = useMutation(trpc.enqueue.tidyUp.mutationOptions());
  const startFresh = useMutation(trpc.actions.startFresh.mutationOptions());
  const addMany = useMutation(trpc.actions.addTodos.mutationOptions());
  const [prompt, setPrompt] = useState('');
  const [importResult, setImportResult] = useState<string | null>(null);

  async function importCsv(file: File) {
    const response = await fetch('/api/todos/import', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: file,
    });
    const body = (await response.json()) as {
      imported?: number;
      error?: string;
      errors?: { line: number; field: string; message: string }[];
    };
    setImportResult(
      response.ok
        ? `Imported ${body.imported} todos.`
        : `${body.error ?? 'Import failed'}${(body.errors ?? []).map((e) => `; line ${e.line} ${e.field}: ${e.message}`).join('')}`,
    );
  }
  const [lines, setLines] = useState('');

  function generate(event: FormEvent) {
    event.preventDefault();
    if (!prompt.trim()) return;
    mutate.addGeneratedTodo({
      id: crypto.randomUUID(),
      prompt,
      position: nextPosition(),
      createdAt: new Date(),
    });
    setPrompt('');
  }

  function addLines(event: FormEvent) {
    event.preventDefault();
    const texts = lines.split('\n').filter((line) => line.length > 0);
    if (texts.length === 0) return;
    const start = nextPosition();
    addMany.mutate(
      {
        items: texts.map((text, index) => ({ id: crypto.randomUUID(), text, position: start + index })),
        createdAt: new Date(),
      },
      { onSuccess: () => setLines('') },
    );
  }

  return (
    <section className="card actions-card" aria-labelledby="actions-heading">
      <div className="card-header">
        <h2 id="actions-heading">Server actions</h2>
      </div>
      <form className="add-form" onSubmit={generate}>
        <input
          aria-label="Generate a todo with AI"
          placeholder="Describe a todo, and AI writes it…"
          value={prompt}
          maxLength={300}
          onChange={(event) => setPrompt(event.target.value)}
        />
        <button type="submit" disabled={!prompt.trim()}>
          Generate
        </button>
      </form>
      <div className="action-row">
        <button type="button" onClick={() => summarize.mutate({})} disabled={summarize.isPending}>
          Summarize
        </button>
        <button type="button" onClick={() => tidyUp.mutate({ delayMsPerTodo: 150 })}>
          Tidy up (background)
        </button>
        <button
          type="button"
          onClick={() => startFresh.mutate({ summaryId: crypto.randomUUID(), at: new Date() })}
          disabled={startFresh.isPending}
        >
          Start fresh
        </button>
        <a className="button-link" href="/api/todos/export" download>
          Export CSV
        </a>
        <label className="button-link">
          Import CSV
          <input
            type="file"
            accept=".csv,text/csv"
            hidden
            aria-label="Import todos from a CSV file"
            onChange={(event) => {
              const file = event.target.files?.[0];
              event.target.value = '';
              if (file) importCsv(file).catch((error: unknown) => setImportResult(String(error)));
            }}
          />
        </label>
      </div>
      <p className="action-result" data-testid="action-result" aria-live="polite">
        {summarize.data &&
          `${summarize.data.total} todos, ${summarize.data.done} done${summarize.data.oldestOpen ? `; oldest open: “${summarize.data.oldestOpen}”` : ''}.`}
        {startFresh.data && ` Archived ${startFresh.data.archived} completed todos.`}
        {addMany.data &&
          ` Added ${addMany.data.results.filter((r) => r.ok).length} of ${addMany.data.results.length}` +
            addMany.data.results
              .flatMap((r, index) => (r.ok ? [] : [`; line ${index + 1}: ${r.error}`]))
              .join('') +
            '.'}
        {importResult && ` ${importResult}`}
        {[summarize.error, startFresh.error, addMany.error, tidyUp.error]
          .filter((error) => error !== null)
          .map((error) => ` ${error.message}`)
          .join('')}
      </p>
      <form className="batch-form" onSubmit={addLines}>
        <textarea
          aria-label="Several todos, one per line"
          placeholder="Several todos at once, one per line (batch)"
          rows={2}
          value={lines}
          onChange={(event) => setLines(event.target.value)}
        />
        <button type="submit" disabled={!lines.trim() || addMany.isPending}>
          Add all
        </button>
      </form>
      <RunsList />
    </section>
  );
}
