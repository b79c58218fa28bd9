'use client';
import { oauthProviderClient } from '@better-auth/oauth-provider/client';
import { useSuspenseQuery } from '@tanstack/react-query';
import { createAuthClient } from 'better-auth/react';
import Link from 'next/link';
import { useState } from 'react';
import { useTRPC } from '@/client/react';

/** Better Auth's client with the OAuth provider's plugin: it sends this page's signed query with the answer. */
const oauthClient = createAuthClient({ plugins: [oauthProviderClient()] });

/**
 * Allow / Deny for one authorization request. Either answer goes to Better Auth (`/oauth2/consent`), which sends the
 * browser back to the client's redirect URI: with a code after Allow, with `error=access_denied` after Deny. A guest
 * is asked to sign in or sign up first (a grant outlives a guest's cookie; docs/mcp-and-typed-client.md).
 */
export function ConsentForm({ clientId, scope }: { clientId: string; scope: string }) {
  const trpc = useTRPC();
  const { data } = useSuspenseQuery(trpc.mcpClients.consentInfo.queryOptions({ clientId, scope }));
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function answer(accept: boolean) {
    setPending(true);
    setError(null);
    const { data: result, error } = await oauthClient.oauth2.consent({ accept });
    if (error || !result?.url) {
      setPending(false);
      setError(error?.message ?? 'The request could not be answered: start again from the MCP client.');
      return;
    }
    window.location.assign(result.url);
  }

  if (!data.client) {
    return (
      <section className="card settings-form">
        <p className="form-error">Unknown MCP client: start again from the client.</p>
      </section>
    );
  }
  const name = data.client.name ?? 'An unnamed MCP client';
  return (
    <section className="card settings-form" aria-labelledby="consent-heading">
      <h2 id="consent-heading">
        <span data-testid="consent-client">{name}</span> wants to use your account
      </h2>
      {data.client.uri && (
        <p className="hint">
          It says it is <code>{data.client.uri}</code> (its own claim, not checked).
        </p>
      )}
      <p>It asks to:</p>
      <ul data-testid="consent-scopes">
        {data.scopes.map((item) => (
          <li key={item.scope}>
            <code>{item.scope}</code>: {item.description}
          </li>
        ))}
      </ul>
      {data.guest ? (
        <p data-testid="consent-guest">
          You are a guest. <Link href="/sign-in">Sign in or sign up</Link> first (what you made as a guest
          comes with you), then come back to this page from the MCP client.
        </p>
      ) : (
        <>
          <p className="hint">You can revoke it any time under Settings → Connected MCP clients.</p>
          <div className="add-form">
            <button type="button" disabled={pending} onClick={() => void answer(true)}>
              Allow
            </button>
            <button
              type="button"
              className="link-button"
              disabled={pending}
              onClick={() => void answer(false)}
            >
              Deny
            </button>
          </div>
        </>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
