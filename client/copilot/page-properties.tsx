'use client';
/**
 * What the current page tells the copilot about its state (the CopilotKit idea of "readable" app state): pages call
 * `useCopilotProperties({ selectedTodoId })`, and the chat panel sends the merged properties with every request.
 * The server offers tools by them (e.g. "edit the selected todo" only while one is selected) but trusts them no
 * further than the user's own authorization.
 */
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';

type Properties = Record<string, unknown>;

class PropertiesRegistry {
  private readonly sources = new Map<symbol, Properties>();
  set(source: symbol, properties: Properties) {
    this.sources.set(source, properties);
  }
  delete(source: symbol) {
    this.sources.delete(source);
  }
  /** Later registrations win on the same key. */
  read(): Properties {
    return Object.assign({}, ...this.sources.values()) as Properties;
  }
}

const RegistryContext = createContext<PropertiesRegistry | null>(null);

function useRegistry(): PropertiesRegistry {
  const registry = useContext(RegistryContext);
  if (!registry) throw new Error('Wrap the app in <CopilotPropertiesProvider>');
  return registry;
}

export function CopilotPropertiesProvider({ children }: { children: ReactNode }) {
  const [registry] = useState(() => new PropertiesRegistry());
  return <RegistryContext.Provider value={registry}>{children}</RegistryContext.Provider>;
}

/** Publishes this component's properties while it is mounted; values must be JSON (they are sent as such). */
export function useCopilotProperties(properties: Properties): void {
  const registry = useRegistry();
  const [source] = useState(() => Symbol('copilot properties'));
  const serialized = JSON.stringify(properties);
  useEffect(() => {
    registry.set(source, JSON.parse(serialized) as Properties);
    return () => registry.delete(source);
  }, [registry, source, serialized]);
}

/** A function that reads the current properties (the panel calls it when it sends, so it never sends stale ones). */
export function useCopilotPropertiesReader(): () => Properties {
  const registry = useRegistry();
  return () => registry.read();
}
