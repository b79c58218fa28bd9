import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import { CopilotPropertiesProvider } from '@/client/copilot/page-properties';
import { TRPCReactProvider } from '@/client/react';
import { SyncProvider } from '@/client/sync';
import { HydrateClient, prefetch, trpc } from '@/server/rsc';
import { CopilotLauncher } from './_components/copilot/copilot-launcher';
import { Toaster } from './_components/toaster';
import { UpdateNotice } from './_components/update-notice';
import './globals.css';

export const metadata: Metadata = {
  title: 'tRPC Actions Starter',
  description: 'Typed tRPC procedures, optimistic mutators and live data, ready to clone.',
};

export const viewport: Viewport = {
  themeColor: [
    { media: '(prefers-color-scheme: light)', color: '#f7f7f8' },
    { media: '(prefers-color-scheme: dark)', color: '#111114' },
  ],
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // The user's synced rows, rendered into the first HTML and hydrated into the client store: no loading state.
  await prefetch(trpc.sync.snapshot.queryOptions());
  return (
    <html lang="en">
      <body>
        <TRPCReactProvider>
          <HydrateClient>
            <SyncProvider>
              <CopilotPropertiesProvider>
                <UpdateNotice />
                {children}
                <Toaster />
                <CopilotLauncher />
              </CopilotPropertiesProvider>
            </SyncProvider>
          </HydrateClient>
        </TRPCReactProvider>
      </body>
    </html>
  );
}
