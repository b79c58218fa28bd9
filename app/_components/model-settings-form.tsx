'use client';
import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '@/client/react';

export function ModelSettingsForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data } = useSuspenseQuery(trpc.settings.model.queryOptions());
  const save = useMutation(
    trpc.actions.saveModelSettings.mutationOptions({
      onSuccess: (saved) => queryClient.setQueryData(trpc.settings.model.queryKey(), saved),
    }),
  );
  const [model, setModel] = useState(data.model ?? '');
  const [systemPrompt, setSystemPrompt] = useState(data.systemPrompt ?? '');
  const [apiKey, setApiKey] = useState('');

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate(
      { model: model || null, systemPrompt: systemPrompt || null, ...(apiKey ? { apiKey } : {}) },
      { onSuccess: () => setApiKey('') },
    );
  }

  return (
    <form className="card settings-form" onSubmit={submit}>
      <label>
        Model id
        <input
          value={model}
          onChange={(event) => setModel(event.target.value)}
          placeholder="the server default"
        />
      </label>
      <label>
        System prompt
        <textarea
          rows={3}
          value={systemPrompt}
          onChange={(event) => setSystemPrompt(event.target.value)}
          placeholder="the built-in prompt"
        />
      </label>
      <label>
        Your own API key
        <input
          type="password"
          autoComplete="off"
          value={apiKey}
          onChange={(event) => setApiKey(event.target.value)}
          placeholder={data.hasApiKey ? 'A key is saved (enter a new one to replace it)' : "the server's key"}
        />
      </label>
      <div className="settings-actions">
        <span data-testid="key-state">{data.hasApiKey ? 'A key is saved.' : 'No key saved.'}</span>
        {data.hasApiKey && (
          <button
            type="button"
            className="link-button"
            onClick={() =>
              save.mutate({ model: model || null, systemPrompt: systemPrompt || null, apiKey: null })
            }
          >
            Remove key
          </button>
        )}
        <button type="submit" disabled={save.isPending}>
          Save
        </button>
      </div>
      {save.error && (
        <p className="form-error" role="alert" data-testid="form-error">
          {save.error.data?.issues?.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') ??
            save.error.message}
        </p>
      )}
      {save.isSuccess && <p role="status">Saved.</p>}
    </form>
  );
}
