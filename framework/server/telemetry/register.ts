/**
 * Turns tracing on for this process when an OpenTelemetry exporter is configured by the standard OTEL_* variables
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/): `@vercel/otel` exports the
 * spans (OTLP over HTTP, to OTEL_EXPORTER_OTLP_ENDPOINT) together with Next's own, and the AI SDK's integration adds
 * a span per chat turn, model call and tool call. Off (the API's no-op tracer) when none is configured.
 */
import 'server-only';

/** True when the OTEL_* variables ask for traces to be exported (and OTEL_SDK_DISABLED does not forbid it). */
export function tracingConfigured(env: Record<string, string | undefined> = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === 'true') return false;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim();
  if (exporter) return exporter !== 'none';
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** Registers the tracer provider and the AI SDK's integration. Loaded only when tracing is on. */
export async function registerTracing(): Promise<void> {
  const [{ registerOTel }, { OpenTelemetry }, { registerTelemetry }] = await Promise.all([
    import('@vercel/otel'),
    import('@ai-sdk/otel'),
    import('ai'),
  ]);
  registerOTel({ serviceName: process.env.OTEL_SERVICE_NAME ?? 'trpc-actions-starter' });
  registerTelemetry(new OpenTelemetry());
}
