import { createCallerFactory, router } from '@/framework/server';
import { syncServer } from '../sync';
import { copilotRouter } from './copilot';
import { settingsRouter } from './settings';
import { streamsRouter } from './streams';
import { tokensRouter } from './tokens';
import { todosRouter } from './todos';

/** Every procedure of the app: the framework's generated routers and the app's own. Add a router here to expose it. */
export const appRouter = router({
  ...syncServer.routers,
  todos: todosRouter,
  streams: streamsRouter,
  settings: settingsRouter,
  copilot: copilotRouter,
  tokens: tokensRouter,
});

export type AppRouter = typeof appRouter;

/** Calls procedures in-process (tests, server components) with a context you supply. */
export const createCaller = createCallerFactory(appRouter);
