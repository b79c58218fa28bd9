/**
 * A guest signs up or signs in (the anonymous plugin's onLinkAccount): its rows move to the account in one
 * transaction, the guest is deleted, and its open feeds end with CredentialReplacedError, so every tab of the guest
 * subscribes again under the account's session (the browser's cookie is now the account's) and shows its data.
 */
import 'server-only';
import { moveUserData, type Runtime } from '@/framework/server';
import { announceUserReplaced } from './credential-watch';
import { USER_DATA_TABLES } from './user-data';

/** What the anonymous plugin reports about a link (the parts used here). */
export interface GuestLink {
  anonymousUser: { user: { id: string } };
  newUser: { user: { id: string } };
  ctx: { path?: string };
}

/** Moves the guest's data to the account it signed up or signed in to. */
export async function onGuestUpgrade(runtime: Runtime, link: GuestLink): Promise<void> {
  const guest = link.anonymousUser.user.id;
  const account = link.newUser.user.id;
  if (guest === account) return;
  const signUp = link.ctx.path?.startsWith('/sign-up') ?? false;
  await moveUserData(runtime, guest, account, {
    extra: USER_DATA_TABLES,
    // A new account takes everything; an existing one takes the guest's rows only if the guest touched them (a
    // guest who only had the welcome rows would add duplicates of them on every sign-in from a new browser).
    syncedRows: signUp ? 'move' : 'move-if-changed',
  });
  announceUserReplaced(runtime.db, guest);
}
