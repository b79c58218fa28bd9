'use client';
import Link from 'next/link';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { authClient, useAccount } from '@/client/auth-client';

const SESSIONS_KEY = ['auth', 'sessions'] as const;

interface SessionRow {
  id: string;
  token: string;
  createdAt: Date;
  updatedAt: Date;
  userAgent?: string | null;
  ipAddress?: string | null;
}

/**
 * The settings page's account sections: who you are (the email, or "Guest" with a way to sign up) and your sessions
 * (every signed-in browser), each but this one revocable. A revoked session is refused at once, and its tabs' live
 * feeds end (server/auth/credential-watch.ts).
 */
export function AccountSessions() {
  const account = useAccount();
  const current = authClient.useSession().data?.session.id ?? null;
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const { data: sessions, error: listError } = useQuery({
    queryKey: SESSIONS_KEY,
    queryFn: async () => {
      const { data, error } = await authClient.listSessions();
      if (error) throw new Error(error.message ?? 'Could not list the sessions');
      return data as SessionRow[];
    },
  });
  const load = () => queryClient.invalidateQueries({ queryKey: SESSIONS_KEY });

  async function revoke(token: string) {
    setError(null);
    const { error } = await authClient.revokeSession({ token });
    if (error) setError(error.message ?? 'Could not revoke the session');
    await load();
  }

  async function revokeOthers() {
    setError(null);
    const { error } = await authClient.revokeOtherSessions();
    if (error) setError(error.message ?? 'Could not revoke the sessions');
    await load();
  }

  const others = (sessions ?? []).filter((session) => session.id !== current);
  return (
    <>
      <section className="card settings-form" aria-labelledby="account-heading">
        <h2 id="account-heading">Account</h2>
        {account.kind === 'account' ? (
          <p>
            Signed in as <strong data-testid="settings-email">{account.email}</strong>
          </p>
        ) : account.kind === 'guest' ? (
          <p>
            <strong data-testid="settings-email">Guest</strong>: your data lives in this browser’s session.{' '}
            <Link href="/sign-in?mode=sign-up">Sign up</Link> to keep it everywhere.
          </p>
        ) : null}
      </section>
      <section className="card settings-form" aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">Sessions</h2>
        <p className="hint">Every browser signed in as you. Revoking one signs it out at once.</p>
        {(error ?? listError) && (
          <p className="form-error" role="alert">
            {error ?? listError?.message}
          </p>
        )}
        <ul className="token-list">
          {(sessions ?? []).map((session) => (
            <li
              key={session.id}
              data-testid="session"
              data-current={session.id === current ? 'true' : 'false'}
            >
              <span>
                <strong>{session.id === current ? 'This browser' : describeAgent(session.userAgent)}</strong>
              </span>
              <span className="hint">since {new Date(session.createdAt).toLocaleString()}</span>
              {session.id !== current && (
                <button
                  type="button"
                  className="link-button"
                  aria-label={`Revoke the session of ${describeAgent(session.userAgent)}`}
                  onClick={() => void revoke(session.token)}
                >
                  Revoke
                </button>
              )}
            </li>
          ))}
        </ul>
        {others.length > 0 && (
          <div className="settings-actions">
            <button type="button" onClick={() => void revokeOthers()}>
              Sign out every other session
            </button>
          </div>
        )}
      </section>
    </>
  );
}

function describeAgent(agent: string | null | undefined): string {
  if (!agent) return 'Another browser';
  const match = /(Firefox|Edg|Chrome|Safari|curl|node)[/\s]?([\d.]*)/.exec(agent);
  return match
    ? `${match[1] === 'Edg' ? 'Edge' : match[1]} ${match[2]?.split('.')[0] ?? ''}`.trim()
    : 'Another browser';
}
