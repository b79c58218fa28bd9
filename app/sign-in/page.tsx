import { Suspense } from 'react';
import { HydrateClient, prefetch, trpc } from '@/server/rsc';
import { SiteHeader } from '../_components/site-header';
import { SignInForm } from '../_components/sign-in-form';

export default async function SignInPage() {
  await prefetch(trpc.account.methods.queryOptions());
  return (
    <main className="page">
      <SiteHeader
        title="Sign in"
        lede="Sign in or sign up to keep your todos, runs and conversations on every device. What you made as a guest comes with you."
      />
      <HydrateClient>
        <Suspense>
          <SignInForm />
        </Suspense>
      </HydrateClient>
    </main>
  );
}
