/**
 * The app handed to the framework: its schema (synced tables), mutators, actions and new-user seed. Every other
 * server module reaches the framework's typed entry points through `syncServer`.
 */
import 'server-only';
import * as schema from '@/db/schema';
import { createSyncServer } from '@/framework/server';
import { mutators } from '@/mutators/registry';
import { schemaVersion } from '@/mutators/schema-version';
import { actions } from './actions/registry';
import { getEnv } from './env';
// example:start — the todo example (scripts/remove-example.ts deletes the lines between these markers)
import { seedNewUser } from './seed';
// example:end

export const syncServer = createSyncServer({
  schema,
  mutators,
  actions,
  schemaVersion,
  // example:start
  onNewUser: seedNewUser,
  // example:end
  sseMaxDurationMs: () => getEnv().SSE_MAX_DURATION_MS,
});
