import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { loadDevMailbox } from '@/server/http/dev-mailbox-page';
import { SiteHeader } from '../../_components/site-header';

export const metadata: Metadata = { title: 'Dev mailbox · tRPC Actions Starter' };
// Read on every request: a mail sent a second ago must be listed.
export const dynamic = 'force-dynamic';

/** Mails the app would have sent, in development without SMTP_URL (docs/accounts-mail.md). 404 in production. */
export default async function DevMailboxPage() {
  const mails = await loadDevMailbox();
  if (mails === null) notFound();
  return (
    <main className="page">
      <SiteHeader
        title="Dev mailbox"
        lede="Mails the app would have sent: no SMTP server is configured (SMTP_URL), so they are kept here and printed to the server log. Development only; the newest 50 are kept."
      />
      <section className="card" aria-labelledby="mailbox-heading">
        <div className="card-header">
          <h2 id="mailbox-heading">Mails</h2>
          <span className="count">{mails.length === 1 ? '1 mail' : `${mails.length} mails`}</span>
        </div>
        {mails.length === 0 ? (
          <p className="empty">No mail yet. Sign up or ask for a password reset, then reload this page.</p>
        ) : (
          <ol className="mails">
            {mails.map((mail) => (
              <li key={mail.id} className="mail">
                <article aria-labelledby={`mail-${mail.id}`}>
                  <h3 id={`mail-${mail.id}`} className="mail-subject">
                    {mail.subject}
                  </h3>
                  <p className="mail-meta">
                    To <span className="mail-to">{mail.to}</span> ·{' '}
                    <time dateTime={mail.sentAt.toISOString()}>{mail.sentAt.toLocaleString('en')}</time>
                  </p>
                  <p className="mail-body">
                    {mail.body.map((part, index) =>
                      part.kind === 'link' ? (
                        <a key={index} href={part.href}>
                          {part.href}
                        </a>
                      ) : (
                        part.text
                      ),
                    )}
                  </p>
                </article>
              </li>
            ))}
          </ol>
        )}
      </section>
    </main>
  );
}
