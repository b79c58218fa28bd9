'use client';
import Link from 'next/link';
import { useState, type FormEvent } from 'react';
import { authClient } from '@/client/auth-client';

/** Sets a new password with the token of a reset link; a missing or used token says so. */
export function ResetPasswordForm({ token }: { token: string | null }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  if (!token) {
    return (
      <section className="card settings-form auth-card">
        <p className="form-error" role="alert">
          This reset link is not valid any more (used, or older than an hour).
        </p>
        <Link href="/sign-in">Ask for a new one</Link>
      </section>
    );
  }
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const { error } = await authClient.resetPassword({ newPassword: password, token: token ?? '' });
    if (error) setError(error.message ?? 'That did not work: try again.');
    else setDone(true);
  }
  return (
    <section className="card settings-form auth-card">
      {done ? (
        <p role="status">
          Your password is changed. <Link href="/sign-in">Sign in</Link>
        </p>
      ) : (
        <form className="settings-form" onSubmit={(event) => void submit(event)}>
          <label>
            New password
            <input
              type="password"
              autoComplete="new-password"
              minLength={8}
              maxLength={128}
              required
              value={password}
              onChange={(event) => setPassword(event.target.value)}
            />
          </label>
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          <button type="submit">Set the password</button>
        </form>
      )}
    </section>
  );
}
