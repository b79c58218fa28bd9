/**
 * The app's server-only tables with rows per user, which follow a guest into the account it signs up or signs in to
 * (moveUserData moves synced tables and the framework's own by itself). A new table with a user id column that should
 * survive sign-in goes here.
 */
import 'server-only';
import type { UserDataColumn } from '@/framework/server';
import { apiTokens, copilotStreams, copilotThreads, providerSettings } from '@/db/schema';

export const USER_DATA_TABLES: readonly UserDataColumn[] = [
  // One row per user: an account's own settings win over the guest's.
  { table: providerSettings, column: providerSettings.userId, onePerUser: true },
  { table: copilotThreads, column: copilotThreads.userId },
  { table: copilotStreams, column: copilotStreams.userId },
  { table: apiTokens, column: apiTokens.userId },
];
