import Link from 'next/link';
import { AccountMenuSlot } from './account-menu-slot';
import { ConnectionBadge } from './connection-badge';

/** The page header shared by every page: navigation, the account menu, connection state, title. */
export function SiteHeader({ title, lede }: { title: string; lede: string }) {
  return (
    <header className="page-header">
      <div className="header-row">
        <nav className="nav" aria-label="Main">
          <span className="eyebrow">tRPC Actions Starter</span>
          <Link href="/">Home</Link>
          <Link href="/settings">Settings</Link>
        </nav>
        <div className="header-status">
          <AccountMenuSlot />
          <ConnectionBadge />
        </div>
      </div>
      <h1>{title}</h1>
      <p className="lede">{lede}</p>
    </header>
  );
}
