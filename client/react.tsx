'use client';
/**
 * React bindings: `<TRPCReactProvider>` at the root, `useTRPC()` in components
 * (`useQuery(trpc.todos.list.queryOptions())`). The browser's client starts with the framework's syncLink: once
 * `<SyncProvider>` attaches its store, `mutators.*` mutations and `sync.rows.*` queries run on the store.
 */
import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { createTRPCClient } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { createContext, useContext, useState, type ReactNode } from 'react';
import { StoreSlot, syncLink } from '@/framework/client';
import type { AppRouter } from '@/server/router-type';
import { createLinks } from './links';
import { makeQueryClient } from './query-client';

const context = createTRPCContext<AppRouter>();

/** The typed tRPC options proxy for React Query hooks. */
export const useTRPC = context.useTRPC;

/** The raw tRPC client (for subscriptions and imperative calls). */
export const useTRPCClient = context.useTRPCClient;

const SlotContext = createContext<StoreSlot | null>(null);

/** The slot the browser client's syncLink reads; `<SyncProvider>` (client/sync.tsx) attaches its store to it. */
export function useStoreSlot(): StoreSlot {
  const slot = useContext(SlotContext);
  if (!slot) throw new Error('useStoreSlot needs a <TRPCReactProvider> above it (the root layout has one)');
  return slot;
}

let browserQueryClient: QueryClient | undefined;

function getQueryClient(): QueryClient {
  // On the server, a fresh client per request: a shared one would leak one user's data into another's render.
  if (typeof window === 'undefined') return makeQueryClient();
  browserQueryClient ??= makeQueryClient();
  return browserQueryClient;
}

export function TRPCReactProvider({ children }: { children: ReactNode }) {
  const queryClient = getQueryClient();
  const [slot] = useState(() => new StoreSlot());
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({ links: [syncLink(slot), ...createLinks({ baseUrl: '' })] }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <context.TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <SlotContext.Provider value={slot}>{children}</SlotContext.Provider>
      </context.TRPCProvider>
    </QueryClientProvider>
  );
}
