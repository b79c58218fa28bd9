/**
 * Next calls register() once when a server process starts. The Node-only start-up checks live in
 * server/startup.ts, imported only on the Node runtime so the edge bundle never sees them. Tracing
 * (framework/server/telemetry/register.ts) starts first, and only when OTEL_* variables configure an exporter.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { registerTracing, tracingConfigured } = await import('@/framework/server');
    if (tracingConfigured()) await registerTracing();
    // Before any request: limits per client address need the connection's address (framework/server/limits/client-address.ts).
    const { installPeerAddressStamp } = await import('@/framework/server');
    installPeerAddressStamp();
    const { runStartupChecks } = await import('./server/startup');
    await runStartupChecks();
  }
}
