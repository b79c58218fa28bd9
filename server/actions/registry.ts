/**
 * Every action of the app, by name. Adding one here makes it callable as `actions.<name>` (await the result) and
 * `enqueue.<name>` (a durable run), and lets mutators enqueue it with `tx.enqueueAction('<name>', input)`.
 */
import { saveModelSettings } from './save-model-settings';
// example:start — the todo example (scripts/remove-example.ts deletes the lines between these markers)
import { addTodos } from './add-todos';
import { generateTodo } from './generate-todo';
import { importTodos } from './import-todos';
import { listTodos } from './list-todos';
import { startFresh } from './start-fresh';
import { summarizeTodos } from './summarize-todos';
import { tidyUp } from './tidy-up';
// example:end

export const actions = {
  saveModelSettings,
  // example:start
  summarizeTodos,
  listTodos,
  tidyUp,
  generateTodo,
  addTodos,
  startFresh,
  importTodos,
  // example:end
};

export type Actions = typeof actions;
export type ActionName = keyof Actions;
