import { createCallerFactory, router } from '@/framework/server';
import { syncServer } from '../sync';
import { accountRouter } from './account';
import { copilotRouter } from './copilot';
import { mcpClientsRouter } from './mcp-clients';
import { settingsRouter } from './settings';
import { tokensRouter } from './tokens';
// example:start — the todo example (scripts/remove-example.ts deletes the lines between these markers)
import { streamsRouter } from './streams';
import { todosRouter } from './todos';
// example:end

/** Every procedure of the app: the framework's generated routers and the app's own. Add a router here to expose it. */
export const appRouter = router({
  ...syncServer.routers,
  account: accountRouter,
  settings: settingsRouter,
  copilot: copilotRouter,
  tokens: tokensRouter,
  mcpClients: mcpClientsRouter,
  // example:start
  todos: todosRouter,
  streams: streamsRouter,
  // example:end
});

export type AppRouter = typeof appRouter;

/** Calls procedures in-process (tests, server components) with a context you supply. */
export const createCaller = createCallerFactory(appRouter);
