/**
 * The app's schema version: one number for its tables, mutators and actions as clients see them. The server
 * (server/sync.ts) and the browser (client/sync.tsx) both take it from here; a page built for another version than
 * the server runs gets a "new version available — reload" notice and keeps its pending changes across the reload.
 *
 * Bump it in a deploy that changes what an open page sends or expects: a mutator renamed or removed, a mutator's
 * input narrowed, a synced table or column the page reads renamed or removed. Additive changes that old pages
 * cannot notice (a new mutator, a new optional input field, a new table) need no bump. docs/deploy.md says more.
 */
export const schemaVersion = 1;
