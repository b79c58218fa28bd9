/**
 * Reading a V8 CPU profile (`.cpuprofile`): which package or project folder each sampled function belongs to, and
 * the self-time tables `bench/profile-summary.ts` prints.
 */
import fs from 'node:fs';
import path from 'node:path';
import { printTable } from './table';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
export interface CpuProfile {
  nodes: ProfileNode[];
  /** Microseconds on the monotonic clock (CLOCK_MONOTONIC, as `process.hrtime` in any process of the machine). */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** "next", "@trpc/server", "react-dom" … for node_modules files; the project folder otherwise; "(program)" etc. */
export function ownerOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node: internals';
  if (url.startsWith('wasm:')) return 'WebAssembly';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    const name = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? '?');
    // Next bundles its dependencies under next/dist/compiled: name them, they are separate libraries.
    if (name === 'next' && rest[2] === 'compiled') return `next (compiled ${rest[3] ?? '?'})`;
    return name;
  }
  const chunk = /\.next\/server\/chunks\/.*?([^/]+)$/.exec(url);
  if (chunk) return `app server chunk`;
  return path.relative(process.cwd(), url.replace(/^file:\/\//, '')).split('/')[0] ?? url;
}

/** Microseconds on the monotonic clock, comparable with a `.cpuprofile`'s sample times (see {@link summarizeProfile}). */
export const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

/**
 * Prints the two tables for one profile file; with `window` ([from, to] in {@link monotonicUs} microseconds, as a
 * bench prints them around its measured phase) only the samples taken inside it.
 */
export function summarizeProfile(file: string, top: number, window?: readonly [number, number]) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    if (window && (at < window[0] || at > window[1])) return;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  const total = [...selfUs.values()].reduce((sum, value) => sum + value, 0);
  const owners = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const owner = ownerOf(url, functionName);
    owners.set(owner, (owners.get(owner) ?? 0) + us);
    const name = `${functionName || '(anonymous)'} ${owner}${url ? `:${lineNumber + 1}` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
  }
  const share = (us: number) => `${((100 * us) / total).toFixed(1)}%`;
  const ms = (us: number) => (us / 1000).toFixed(0);
  const idle = (owners.get('(idle)') ?? 0) + (owners.get('(program)') ?? 0);
  const rows = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => [name, ms(us), share(us), share(us * (total / Math.max(1, total - idle)))]);
  printTable(
    `${path.basename(file)}: self time by package (${ms(total)} ms sampled${window ? ' in the window' : ''})`,
    ['package / folder', 'self ms', 'of all', 'of busy'],
    rows(owners),
  );
  printTable(
    `${path.basename(file)}: functions with the most self time`,
    ['function', 'self ms', 'of all', 'of busy'],
    rows(functions),
    ['"of busy" leaves out (idle) and (program): the share of the time the process was working.'],
  );
}
