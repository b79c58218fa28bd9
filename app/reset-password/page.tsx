import { SiteHeader } from '../_components/site-header';
import { ResetPasswordForm } from '../_components/reset-password-form';

/** Where a password reset link lands (Better Auth adds `?token=…`, or `?error=INVALID_TOKEN` for a used one). */
export default async function ResetPasswordPage({
  searchParams,
}: {
  searchParams: Promise<{ token?: string; error?: string }>;
}) {
  const { token, error } = await searchParams;
  return (
    <main className="page">
      <SiteHeader
        title="Choose a new password"
        lede="The link works once; your other sessions are signed out."
      />
      <ResetPasswordForm token={error ? null : (token ?? null)} />
    </main>
  );
}
