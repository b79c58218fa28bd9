'use client';
/**
 * React bindings: `<TRPCReactProvider>` at the root, `useTRPC()` in components
 * (`useQuery(trpc.todos.list.queryOptions())`).
 */
import './zod-jitless';
import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { createTRPCClient } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { useState, type ReactNode } from 'react';
import type { AppRouter } from '@/server/router-type';
import { createLinks } from './links';
import { makeQueryClient } from './query-client';

const context = createTRPCContext<AppRouter>();

/** The typed tRPC options proxy for React Query hooks. */
export const useTRPC = context.useTRPC;

/** The raw tRPC client (for subscriptions and imperative calls). */
export const useTRPCClient = context.useTRPCClient;

let browserQueryClient: QueryClient | undefined;

function getQueryClient(): QueryClient {
  // On the server, a fresh client per request: a shared one would leak one user's data into another's render.
  if (typeof window === 'undefined') return makeQueryClient();
  browserQueryClient ??= makeQueryClient();
  return browserQueryClient;
}

export function TRPCReactProvider({ children }: { children: ReactNode }) {
  const queryClient = getQueryClient();
  const [trpcClient] = useState(() => createTRPCClient<AppRouter>({ links: createLinks({ baseUrl: '' }) }));
  return (
    <QueryClientProvider client={queryClient}>
      <context.TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </context.TRPCProvider>
    </QueryClientProvider>
  );
}
