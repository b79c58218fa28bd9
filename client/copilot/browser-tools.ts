'use client';
/**
 * Browser-run tools and suggestions, declared by the page that owns them (CopilotKit's `useFrontendTool` and
 * suggestions): `useCopilotBrowserTool({ name, description, parameters, execute })` offers a tool while the component
 * is mounted; the chat panel sends the declarations with each request (server/copilot/client-tools.ts), runs a call
 * here in the tab when the model makes one, and sends the result back to the model. `useCopilotSuggestions([...])`
 * offers prompts the panel shows as chips.
 *
 * One registry per tab, at module level: a page and the lazily loaded panel share it without a provider, and it
 * holds only functions and short texts.
 */
import { useEffect, useRef, useSyncExternalStore } from 'react';

/** A JSON schema of an object: what the model must send. */
export interface BrowserToolParameters {
  type: 'object';
  properties: Record<string, { type: string; description?: string; enum?: string[] }>;
  required?: string[];
  additionalProperties?: false;
}

export interface BrowserTool {
  /** Letters, digits, _ or -; must not be the name of a server tool. */
  name: string;
  description: string;
  parameters: BrowserToolParameters;
  /** Runs in the tab; its result (JSON) goes back to the model. Throw an Error to report a failure in words. */
  execute(input: Record<string, unknown>): unknown;
}

/** What the panel sends: a tool without its function. */
export type BrowserToolDeclaration = Pick<BrowserTool, 'name' | 'description' | 'parameters'>;

const tools = new Map<symbol, BrowserTool>();
const suggestionSources = new Map<symbol, string[]>();
const listeners = new Set<() => void>();
let suggestionSnapshot: string[] = [];

function notify() {
  suggestionSnapshot = [...new Set([...suggestionSources.values()].flat())].slice(0, 4);
  for (const listener of listeners) listener();
}

/** Offers a browser-run tool while the calling component is mounted. */
export function useCopilotBrowserTool(tool: BrowserTool): void {
  // The latest execute (it closes over the page's state) without re-registering on every render.
  const latest = useRef(tool);
  useEffect(() => {
    latest.current = tool;
  });
  const { name, description } = tool;
  const parameters = JSON.stringify(tool.parameters);
  useEffect(() => {
    const key = Symbol(name);
    tools.set(key, {
      name,
      description,
      parameters: JSON.parse(parameters) as BrowserToolParameters,
      execute: (input) => latest.current.execute(input),
    });
    return () => {
      tools.delete(key);
    };
  }, [name, description, parameters]);
}

/** The tools the page offers now (the newest registration wins a name). */
export function browserToolDeclarations(): BrowserToolDeclaration[] {
  const byName = new Map<string, BrowserToolDeclaration>();
  for (const { name, description, parameters } of tools.values())
    byName.set(name, { name, description, parameters });
  return [...byName.values()];
}

/** Runs a browser tool by name; throws when the page no longer offers it. */
export async function runBrowserTool(name: string, input: unknown): Promise<unknown> {
  const tool = [...tools.values()].findLast((candidate) => candidate.name === name);
  if (!tool) throw new Error(`${name} is not available on this page any more`);
  const fields = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  return (await tool.execute(fields)) ?? { ok: true };
}

/** Whether a tool name is one of the page's browser tools. */
export function isBrowserTool(name: string): boolean {
  return [...tools.values()].some((tool) => tool.name === name);
}

/** Offers prompts as chips while mounted (the panel shows at most four, from all pages' components). */
export function useCopilotSuggestions(suggestions: string[]): void {
  const serialized = JSON.stringify(suggestions);
  useEffect(() => {
    const key = Symbol('suggestions');
    suggestionSources.set(key, JSON.parse(serialized) as string[]);
    notify();
    return () => {
      suggestionSources.delete(key);
      notify();
    };
  }, [serialized]);
}

/** The suggestions offered now, re-rendering when they change. */
export function useSuggestionChips(): string[] {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => suggestionSnapshot,
    () => suggestionSnapshot,
  );
}
