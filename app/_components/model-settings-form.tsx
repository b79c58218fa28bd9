'use client';
import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '@/client/react';

type SavedSettings = { model: string | null; systemPrompt: string | null; hasApiKey: boolean };

/**
 * The model settings. The fields start from the saved values and start again from them whenever those change
 * elsewhere (the copilot saved them: the chat panel refetches the query), so the form always shows what is saved
 * and a later Save never writes an old value back.
 */
export function ModelSettingsForm() {
  const trpc = useTRPC();
  const { data } = useSuspenseQuery(trpc.settings.model.queryOptions());
  // Here, not in the fields: its "Saved." and errors outlive the fields starting again.
  const save = useSaveSettings();
  return (
    <SettingsFields key={`${data.model ?? ''}\u0000${data.systemPrompt ?? ''}`} data={data} save={save} />
  );
}

function useSaveSettings() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useMutation(
    trpc.actions.saveModelSettings.mutationOptions({
      onSuccess: (saved) => queryClient.setQueryData(trpc.settings.model.queryKey(), saved),
    }),
  );
}

function SettingsFields({ data, save }: { data: SavedSettings; save: ReturnType<typeof useSaveSettings> }) {
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
    <form className="card settings-form" onSubmit={submit} data-testid="model-settings-form">
      <label>
        Model id
        <input
          data-testid="settings-model"
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
