'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/client/react';

/**
 * The settings page's "Connected MCP clients": apps the user allowed on the consent page (OAuth for MCP). Revoking one
 * ends its access at once: its next call to /api/mcp gets 401, and it would have to ask the user again.
 */
export function McpClients() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: clients, error } = useQuery(trpc.mcpClients.list.queryOptions());
  const revoke = useMutation(
    trpc.mcpClients.revoke.mutationOptions({
      onSettled: () => void queryClient.invalidateQueries({ queryKey: trpc.mcpClients.list.queryKey() }),
    }),
  );

  return (
    <section className="card settings-form" aria-labelledby="mcp-clients-heading">
      <h2 id="mcp-clients-heading">Connected MCP clients</h2>
      <p className="hint">
        MCP clients you allowed to use your tools at <code>/api/mcp</code> by signing in here (OAuth). Names
        are what each client calls itself.
      </p>
      {error && <p className="form-error">{error.message}</p>}
      {revoke.error && <p className="form-error">{revoke.error.message}</p>}
      {clients && clients.length === 0 && <p className="hint">None yet.</p>}
      <ul className="token-list">
        {clients?.map((client) => (
          <li key={client.clientId} data-testid="mcp-client">
            <span>
              <strong>{client.name ?? 'Unnamed client'}</strong> <code>{client.scopes.join(' ')}</code>
            </span>
            <span className="hint">
              {client.allowedAt ? `allowed ${client.allowedAt.toLocaleString()}` : 'holds a token'}
            </span>
            <button
              type="button"
              className="link-button"
              aria-label={`Revoke ${client.name ?? client.clientId}`}
              disabled={revoke.isPending}
              onClick={() => revoke.mutate({ clientId: client.clientId })}
            >
              Revoke
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
