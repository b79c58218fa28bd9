'use client';
import { useMutation, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '@/client/react';

/** Make and revoke API tokens for scripts and MCP clients; a new token is shown once, here. */
export function ApiTokens() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: tokens } = useSuspenseQuery(trpc.tokens.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() });
  const [name, setName] = useState('');
  const [shown, setShown] = useState<{ name: string; token: string } | null>(null);
  const create = useMutation(
    trpc.tokens.create.mutationOptions({
      onSuccess: (made) => {
        setShown({ name: made.name, token: made.token });
        setName('');
        void refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.tokens.revoke.mutationOptions({ onSuccess: () => void refresh() }));

  function submit(event: FormEvent) {
    event.preventDefault();
    if (name.trim()) create.mutate({ name });
  }

  return (
    <section className="card settings-form" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">API tokens</h2>
      <p className="hint">
        For scripts (the typed client) and MCP clients at <code>/api/mcp</code>: send{' '}
        <code>Authorization: Bearer &lt;token&gt;</code>. A token acts as you; revoke it when it is no longer
        used.
      </p>
      <form className="add-form" onSubmit={submit}>
        <input
          aria-label="Token name"
          placeholder="What is it for? e.g. laptop script"
          value={name}
          maxLength={100}
          onChange={(event) => setName(event.target.value)}
        />
        <button type="submit" disabled={!name.trim() || create.isPending}>
          Create token
        </button>
      </form>
      {create.error && <p className="form-error">{create.error.message}</p>}
      {shown && (
        <div className="new-token" role="status">
          <p>Your token “{shown.name}”. Copy it now: it is not shown again.</p>
          <code data-testid="new-token">{shown.token}</code>
        </div>
      )}
      <ul className="token-list">
        {tokens.map((token) => (
          <li key={token.id} data-testid="api-token" data-revoked={token.revokedAt ? 'true' : 'false'}>
            <span>
              <strong>{token.name}</strong> <code>{token.prefix}…</code>
            </span>
            <span className="hint">
              {token.revokedAt
                ? `revoked ${token.revokedAt.toLocaleDateString()}`
                : token.lastUsedAt
                  ? `last used ${token.lastUsedAt.toLocaleString()}`
                  : 'never used'}
            </span>
            {!token.revokedAt && (
              <button
                type="button"
                className="link-button"
                aria-label={`Revoke ${token.name}`}
                onClick={() => revoke.mutate({ id: token.id })}
              >
                Revoke
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
