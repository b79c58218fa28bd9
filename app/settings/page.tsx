import { HydrateClient, prefetch, trpc } from '@/server/rsc';
import { AccountSessions } from '../_components/account-sessions';
import { ApiTokens } from '../_components/api-tokens';
import { McpClients } from '../_components/mcp-clients';
import { ModelSettingsForm } from '../_components/model-settings-form';
import { SiteHeader } from '../_components/site-header';

export default async function SettingsPage() {
  await Promise.all([
    prefetch(trpc.settings.model.queryOptions()),
    prefetch(trpc.tokens.list.queryOptions()),
  ]);
  return (
    <main className="page">
      <SiteHeader
        title="Settings"
        lede="Your account and sessions, your model for generate-with-AI and the copilot, and API tokens. Stored on the server only; keys and tokens are never sent back."
      />
      <AccountSessions />
      <HydrateClient>
        <ModelSettingsForm />
        <ApiTokens />
        <McpClients />
      </HydrateClient>
    </main>
  );
}
