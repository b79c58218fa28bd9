/**
 * The app's `defineAction`: `ctx.mutate(name, input)` is typed with the app's mutators (mutators/registry.ts).
 */
import 'server-only';
import { createDefineAction } from '@/framework/server';
import type { Mutators } from '@/mutators/registry';

export const defineAction = createDefineAction<Mutators>();
