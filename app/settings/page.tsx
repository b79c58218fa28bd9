import { HydrateClient, prefetch, trpc } from '@/server/rsc';
import { ModelSettingsForm } from '../_components/model-settings-form';
import { SiteHeader } from '../_components/site-header';

export default async function SettingsPage() {
  await prefetch(trpc.settings.model.queryOptions());
  return (
    <main className="page">
      <SiteHeader
        title="Settings"
        lede="Your model for generate-with-AI. Stored on the server only; the key is never sent back."
      />
      <HydrateClient>
        <ModelSettingsForm />
      </HydrateClient>
    </main>
  );
}
