'use client';
/**
 * Better Auth's browser client (same origin: /api/auth). Components use its hooks (`useSession`) and calls
 * (`signIn.email`, `signUp.email`, `signOut`, `listSessions`, `revokeSession`, …); the session cookie is httpOnly,
 * so the browser code never sees a token.
 */
import { anonymousClient } from 'better-auth/client/plugins';
import { createAuthClient } from 'better-auth/react';
import { useEffect, useRef } from 'react';

export const authClient = createAuthClient({ plugins: [anonymousClient()] });

/** The signed-in user as the account UI shows it: a guest, or an account with its email. */
export type AccountView = { kind: 'guest' } | { kind: 'account'; email: string } | { kind: 'loading' };

/**
 * The current session as the account UI shows it (re-read after sign-in, sign-out and on window focus). `userId`:
 * the user whose rows the page holds (useSyncUserId); when it changes, the session is read again at once. Another
 * tab's sign-up or sign-in moves this tab's feed to the account, and a tab in the background sees no focus event to
 * re-read it: its header kept naming the guest (e2e/accounts.spec.ts).
 */
export function useAccount(userId?: string): AccountView {
  const { data, isPending, refetch } = authClient.useSession();
  const readFor = useRef(userId);
  useEffect(() => {
    if (readFor.current === userId) return;
    readFor.current = userId;
    void refetch();
  }, [userId, refetch]);
  if (isPending) return { kind: 'loading' };
  const user = data?.user as { email: string; isAnonymous?: boolean | null } | undefined;
  if (!user || user.isAnonymous) return { kind: 'guest' };
  return { kind: 'account', email: user.email };
}
