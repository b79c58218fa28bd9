/**
 * Splits a V8 CPU profile of the bench server into the parts of the mutation path (bench/mutation-profile.ts): each
 * sample goes to the first rule that matches its stack, so that e.g. zod called from tRPC's input parser counts as
 * validation and superjson called from the change log counts as superjson. Also: inclusive time per function of the
 * project's own files (a sample counts once for every distinct project function on its stack).
 */
import type { CpuProfile } from '../support/cpu-profile';

interface Frame {
  functionName: string;
  url: string;
}

/** The parts, in the order they are tried; the first whose test matches the stack (leaf first) takes the sample. */
const RULES: { part: string; test: (stack: Frame[]) => boolean }[] = [
  { part: '(idle)', test: ([leaf]) => leaf?.functionName === '(idle)' },
  { part: '(garbage collector)', test: ([leaf]) => leaf?.functionName === '(garbage collector)' },
  { part: '(program)', test: ([leaf]) => leaf?.functionName === '(program)' },
  {
    part: 'PGlite engine (wasm + its JS)',
    test: ([leaf]) => !!leaf && (leaf.url.startsWith('wasm') || leaf.url.includes('@electric-sql/pglite')),
  },
  { part: 'zod validation', test: (stack) => stack.some((f) => f.url.includes('node_modules/zod/')) },
  { part: 'superjson', test: (stack) => stack.some((f) => f.url.includes('node_modules/superjson/')) },
  {
    part: 'pg driver (protocol, parsing)',
    test: ([leaf]) => !!leaf && /node_modules\/(pg|pg-protocol|pg-types|pg-pool)\//.test(leaf.url),
  },
  {
    part: 'drizzle (SQL building, results)',
    test: (stack) => stack.some((f) => f.url.includes('drizzle-orm')),
  },
  {
    part: 'session / request context',
    test: (stack) =>
      stack.some(
        (f) => f.url.includes('better-auth') || f.url.includes('/server/context') || f.url.includes('/auth/'),
      ),
  },
  {
    part: 'feed publish',
    test: (stack) =>
      stack.some((f) => f.functionName === 'publishCommitted' || f.url.includes('change-feed')),
  },
  { part: 'change log append (JS side)', test: (stack) => stack.some((f) => f.url.includes('change-log')) },
  {
    part: 'executor & runtime (own code)',
    test: (stack) => stack.some((f) => f.url.includes('/framework/server/runtime/')),
  },
  { part: 'telemetry (no-op spans)', test: (stack) => stack.some((f) => f.url.includes('@opentelemetry')) },
  { part: 'tRPC (HTTP adapter, batching)', test: (stack) => stack.some((f) => f.url.includes('@trpc/')) },
  { part: 'node (http, net, streams, timers)', test: ([leaf]) => !!leaf?.url.startsWith('node:') },
  { part: '(native / other)', test: () => true },
];

const isOwn = (url: string) =>
  url !== '' && !url.includes('node_modules') && !url.startsWith('node:') && !url.startsWith('wasm');

/** Microseconds per part, and per own function (inclusive), of one profile. */
export function profileParts(profile: CpuProfile): {
  parts: Map<string, number>;
  ownFunctions: Map<string, number>;
  totalUs: number;
} {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes as (CpuProfile['nodes'][number] & { children?: number[] })[])
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  const stackCache = new Map<number, Frame[]>();
  const stackOf = (id: number): Frame[] => {
    const cached = stackCache.get(id);
    if (cached) return cached;
    const stack: Frame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const node = byId.get(at);
      if (node) stack.push(node.callFrame);
    }
    stackCache.set(id, stack);
    return stack;
  };
  const parts = new Map<string, number>();
  const ownFunctions = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, index) => {
    const us = profile.timeDeltas[index] ?? 0;
    totalUs += us;
    const stack = stackOf(id);
    const part = RULES.find((rule) => rule.test(stack))?.part ?? '?';
    parts.set(part, (parts.get(part) ?? 0) + us);
    const seen = new Set<string>();
    for (const frame of stack) {
      if (!isOwn(frame.url)) continue;
      const file = frame.url.replace(/^file:\/\//, '').replace(`${process.cwd()}/`, '');
      const name = `${frame.functionName || '(anonymous)'} ${file}`;
      if (seen.has(name)) continue;
      seen.add(name);
      ownFunctions.set(name, (ownFunctions.get(name) ?? 0) + us);
    }
  });
  return { parts, ownFunctions, totalUs };
}
