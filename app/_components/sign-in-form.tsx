'use client';
import { useSuspenseQuery } from '@tanstack/react-query';
import { useSearchParams } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { authClient } from '@/client/auth-client';
import { useTRPC } from '@/client/react';

type Mode = 'sign-in' | 'sign-up' | 'forgot';

const TITLES: Record<Mode, string> = {
  'sign-in': 'Sign in',
  'sign-up': 'Create an account',
  forgot: 'Reset your password',
};

/**
 * Email + password sign-in and sign-up, "Forgot password", and a button per configured social provider. From a guest
 * session, signing up or in moves the guest's data to the account (server/auth/guest-upgrade.ts): every open tab of
 * the guest follows by itself; this one goes to the list.
 */
export function SignInForm() {
  const trpc = useTRPC();
  const { data: methods } = useSuspenseQuery(trpc.account.methods.queryOptions());
  const params = useSearchParams();
  const [mode, setMode] = useState<Mode>(params.get('mode') === 'sign-up' ? 'sign-up' : 'sign-in');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setNotice(null);
    setBusy(true);
    try {
      if (mode === 'forgot') {
        const { error } = await authClient.requestPasswordReset({ email, redirectTo: '/reset-password' });
        if (error) setError(describe(error));
        else setNotice('If an account has this address, a link to reset its password is on its way.');
        return;
      }
      const { error } =
        mode === 'sign-up'
          ? await authClient.signUp.email({ email, password, name: email.split('@')[0] ?? email })
          : await authClient.signIn.email({ email, password });
      if (error) {
        setError(describe(error));
        return;
      }
      // A full load, as sign-out does: the router's cached layout (its header, the guest's) and the store's rows
      // were the guest's; the server renders both anew for the account.
      window.location.assign('/');
    } finally {
      setBusy(false);
    }
  }

  function switchTo(next: Mode) {
    setMode(next);
    setError(null);
    setNotice(null);
  }

  return (
    <section className="card settings-form auth-card" aria-labelledby="auth-heading">
      <h2 id="auth-heading">{TITLES[mode]}</h2>
      <form className="settings-form" onSubmit={(event) => void submit(event)} noValidate>
        <label>
          Email
          <input
            type="email"
            name="email"
            autoComplete="email"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
        </label>
        {mode !== 'forgot' && (
          <label>
            Password
            <input
              type="password"
              name="password"
              autoComplete={mode === 'sign-up' ? 'new-password' : 'current-password'}
              minLength={8}
              maxLength={128}
              required
              value={password}
              aria-describedby={mode === 'sign-up' ? 'password-hint' : undefined}
              onChange={(event) => setPassword(event.target.value)}
            />
          </label>
        )}
        {mode === 'sign-up' && (
          <span className="hint" id="password-hint">
            Passwords are 8 to 128 characters.
          </span>
        )}
        {error && (
          <p className="form-error" role="alert" data-testid="auth-error">
            {error}
          </p>
        )}
        {notice && <p role="status">{notice}</p>}
        <div className="settings-actions">
          <button type="submit" disabled={busy}>
            {mode === 'sign-up' ? 'Sign up' : mode === 'forgot' ? 'Send the link' : 'Sign in'}
          </button>
        </div>
      </form>
      <div className="auth-switch">
        {mode !== 'sign-in' && (
          <button type="button" className="link-button" onClick={() => switchTo('sign-in')}>
            I have an account: sign in
          </button>
        )}
        {mode !== 'sign-up' && (
          <button type="button" className="link-button" onClick={() => switchTo('sign-up')}>
            New here? Create an account
          </button>
        )}
        {mode === 'sign-in' && (
          <button type="button" className="link-button" onClick={() => switchTo('forgot')}>
            Forgot password?
          </button>
        )}
      </div>
      {(methods.github || methods.google) && (
        <div className="auth-switch">
          {methods.github && (
            <button
              type="button"
              onClick={() => void authClient.signIn.social({ provider: 'github', callbackURL: '/' })}
            >
              Continue with GitHub
            </button>
          )}
          {methods.google && (
            <button
              type="button"
              onClick={() => void authClient.signIn.social({ provider: 'google', callbackURL: '/' })}
            >
              Continue with Google
            </button>
          )}
        </div>
      )}
    </section>
  );
}

/** Better Auth's error as a sentence for the form (its messages are already written for people). */
function describe(error: { message?: string; status?: number }): string {
  if (error.status === 429) return 'Too many attempts: wait a minute, then try again.';
  return error.message ?? 'That did not work: try again.';
}
