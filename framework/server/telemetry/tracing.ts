/**
 * The app's spans (OpenTelemetry). Without a registered tracer provider (instrumentation.ts registers one only when
 * an OTEL_* exporter is configured) `@opentelemetry/api` hands out its no-op tracer: each span here then costs a
 * non-recording object and a function call, and nothing is stored or sent.
 */
import 'server-only';
import {
  context,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanKind,
} from '@opentelemetry/api';

const tracer = trace.getTracer('trpc-actions-starter');

export interface SpanOptions {
  attributes?: Attributes;
  kind?: SpanKind;
  /** The parent's context; default: the active one. */
  parent?: Context;
  /** Spans this one is about without being their child (e.g. the other mutations of a group commit). */
  links?: Link[];
}

/**
 * Runs `fn` inside a new active span: children started in `fn` (also across awaits) nest under it. A throw marks
 * the span as failed and is rethrown.
 */
export function withSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T>;
export function withSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => T): T;
export function withSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => T): T {
  const { parent = context.active(), ...spanOptions } = options;
  return tracer.startActiveSpan(name, spanOptions, parent, (span) => {
    const fail = (error: unknown) => {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : undefined,
      });
      span.end();
      throw error;
    };
    try {
      const result = fn(span);
      if (result instanceof Promise) {
        return result.then((value: unknown) => {
          span.end();
          return value;
        }, fail) as T;
      }
      span.end();
      return result;
    } catch (error) {
      return fail(error);
    }
  });
}

/** The active span's context as a W3C `traceparent`, or null when nothing is being recorded (tracing off). */
export function currentTraceParent(): string | null {
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return null;
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`;
}

/** A context whose parent is the span a `traceparent` names (made by {@link currentTraceParent}, maybe elsewhere). */
export function contextFromTraceParent(traceParent: string | null | undefined): Context {
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(traceParent ?? '');
  if (!match?.[1] || !match[2] || !match[3]) return context.active();
  return trace.setSpanContext(context.active(), {
    traceId: match[1],
    spanId: match[2],
    traceFlags: Number.parseInt(match[3], 16) & TraceFlags.SAMPLED,
    isRemote: true,
  });
}

/** The active context, to resume later (e.g. a mutation's, when its group commit runs). */
export const activeContext = (): Context => context.active();

/** A link to the span active in `ctx`, if any. */
export function linkTo(ctx: Context): Link[] {
  const span = trace.getSpan(ctx);
  return span ? [{ context: span.spanContext() }] : [];
}
