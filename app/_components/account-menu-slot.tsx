'use client';
import dynamic from 'next/dynamic';

/**
 * The header's place for the account menu. The menu needs Better Auth's browser client to learn who is signed in,
 * and shows a busy placeholder until it has asked (/api/auth/get-session) anyway, so its code loads after the page
 * has hydrated rather than with the page's first scripts (bench/README.md, "first-load JS").
 */
export const AccountMenuSlot = dynamic(() => import('./account-menu').then((module) => module.AccountMenu), {
  ssr: false,
  loading: () => <span className="account-menu" aria-busy="true" />,
});
