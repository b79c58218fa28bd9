import { Suspense } from 'react';
import { HydrateClient, prefetch, trpc } from '@/server/rsc';
import { SiteHeader } from '../../_components/site-header';
import { ConsentForm } from './consent-form';

/**
 * Where Better Auth's authorization endpoint sends the browser when an MCP client asks for access (OAuth for MCP):
 * names the client and what it asks, with Allow / Deny. The query is the authorization request, signed by the server
 * (`sig`): the form sends it back as it came, so nothing here can be changed by editing the URL.
 */
export default async function ConsentPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value) ?? '';
  const clientId = first(params.client_id);
  const scope = first(params.scope);
  if (clientId) await prefetch(trpc.mcpClients.consentInfo.queryOptions({ clientId, scope }));
  return (
    <main className="page">
      <SiteHeader title="Connect an MCP client" lede="An app asks to use your tools here, as you." />
      {clientId ? (
        <HydrateClient>
          <Suspense>
            <ConsentForm clientId={clientId} scope={scope} />
          </Suspense>
        </HydrateClient>
      ) : (
        <section className="card settings-form">
          <p className="form-error">
            This page is reached from an MCP client’s sign-in: open it from the client again.
          </p>
        </section>
      )}
    </main>
  );
}
