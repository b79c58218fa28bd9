/**
 * Next calls register() once when a server process starts. The Node-only start-up checks live in
 * server/startup.ts, imported only on the Node runtime so the edge bundle never sees them. Tracing
 * (server/telemetry/register.ts) starts first, and only when OTEL_* variables configure an exporter.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { registerTracing, tracingConfigured } = await import('./server/telemetry/register');
    if (tracingConfigured()) await registerTracing();
    const { runStartupChecks } = await import('./server/startup');
    await runStartupChecks();
  }
}
