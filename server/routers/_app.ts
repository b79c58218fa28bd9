import { createCallerFactory, router } from '@/framework/server/trpc';
import { actionsRouter, enqueueRouter, runsRouter } from '@/framework/server/runtime/action-procedures';
import { mutatorsRouter } from '@/framework/server/runtime/mutator-procedures';
import { copilotRouter } from './copilot';
import { settingsRouter } from './settings';
import { streamsRouter } from './streams';
import { syncRouter } from '@/framework/server/routers/sync';
import { tokensRouter } from './tokens';
import { todosRouter } from './todos';

/** Every procedure of the app. Add a router here to expose it. */
export const appRouter = router({
  todos: todosRouter,
  sync: syncRouter,
  mutators: mutatorsRouter,
  actions: actionsRouter,
  enqueue: enqueueRouter,
  runs: runsRouter,
  streams: streamsRouter,
  settings: settingsRouter,
  copilot: copilotRouter,
  tokens: tokensRouter,
});

export type AppRouter = typeof appRouter;

/** Calls procedures in-process (tests, server components) with a context you supply. */
export const createCaller = createCallerFactory(appRouter);
