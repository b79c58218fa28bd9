/**
 * Every mutator of the app, by name. Adding one here makes it a tRPC mutation (`mutators.<name>`), callable from
 * `useMutate()` in the browser and from the typed client; no router edit needed.
 */
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

export const mutators = {
  addTodo,
  setTodoText,
  setTodoCompleted,
  moveTodo,
  deleteTodo,
  clearCompleted,
  addGeneratedTodo,
  writeGeneratedText,
};

export type Mutators = typeof mutators;
export type MutatorName = keyof Mutators;
