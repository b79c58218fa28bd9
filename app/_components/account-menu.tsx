'use client';
import Link from 'next/link';
import { useState } from 'react';
import { authClient, useAccount } from '@/client/auth-client';
import { useSyncUserId } from '@/client/sync';

/**
 * The header's account menu: "Guest · Sign up" for a guest, the email and "Sign out" for an account. Signing out
 * ends the session (its live feeds end with it) and reloads into a new guest.
 */
export function AccountMenu() {
  const account = useAccount(useSyncUserId());
  const [leaving, setLeaving] = useState(false);
  if (account.kind === 'loading') return <span className="account-menu" aria-busy="true" />;
  if (account.kind === 'guest') {
    return (
      <span className="account-menu" data-testid="account-menu" data-account="guest">
        Guest · <Link href="/sign-in?mode=sign-up">Sign up</Link>
      </span>
    );
  }
  async function signOut() {
    setLeaving(true);
    await authClient.signOut();
    // A full load: the proxy gives the browser a new guest, and every cached row of the account is dropped.
    window.location.assign('/');
  }
  return (
    <span className="account-menu" data-testid="account-menu" data-account="account">
      <span data-testid="account-email">{account.email}</span> ·{' '}
      <button type="button" className="link-button" disabled={leaving} onClick={() => void signOut()}>
        Sign out
      </button>
    </span>
  );
}
