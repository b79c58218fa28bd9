/**
 * Every mutator of the app, by name. Adding one here makes it a tRPC mutation (`mutators.<name>`), callable from
 * `useMutate()` in the browser and from the typed client; no router edit needed.
 */
// example:start — the todo example (scripts/remove-example.ts deletes the lines between these markers)
import {
  addGeneratedTodo,
  addTodo,
  clearCompleted,
  deleteTodo,
  moveTodo,
  setTodoCompleted,
  setTodoText,
  writeGeneratedText,
} from './todos';
// example:end

export const mutators = {
  // example:start
  addTodo,
  setTodoText,
  setTodoCompleted,
  moveTodo,
  deleteTodo,
  clearCompleted,
  addGeneratedTodo,
  writeGeneratedText,
  // example:end
};

export type Mutators = typeof mutators;
export type MutatorName = keyof Mutators;
