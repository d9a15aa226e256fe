// The platform's spans, made by hand at its seams (HTTP server, outbox relay, consumer, handler
// transaction, dead-lettering) with explicit parents taken from the `traceparent` the platform already
// carries in requests, outbox rows and Kafka headers. No context manager and no auto-instrumentation:
// nothing here costs more than a boolean check while tracing is off (the default), and while it is on
// only the spans listed in the README are made.
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
  type Attributes,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_STACKTRACE,
  ATTR_EXCEPTION_TYPE,
} from '@opentelemetry/semantic-conventions';
import { errorCode } from './errors';
import { maskPersonalText } from './personal-data';

export { SpanKind };
export type { Span };

/**
 * Messaging attribute names of the OpenTelemetry semantic conventions (v1.45; still "development" there,
 * so copied here rather than imported from the package's unstable `incubating` entry point, as the
 * conventions' own guidance says).
 */
export const MessagingAttr = {
  system: 'messaging.system',
  destination: 'messaging.destination.name',
  partition: 'messaging.destination.partition.id',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  consumerGroup: 'messaging.consumer.group.name',
  messageId: 'messaging.message.id',
  kafkaKey: 'messaging.kafka.message.key',
  kafkaOffset: 'messaging.kafka.offset',
} as const;

/** The platform's own span attributes (namespaced, not semantic conventions). */
export const OrderflowAttr = {
  orderId: 'orderflow.order_id',
  /** What became of a consumed message: handled | duplicate | dead_lettered | retry | deferred. */
  outcome: 'orderflow.consumer.outcome',
  /** Messages of the partition chunk handled in the same database transaction. */
  chunkMessages: 'orderflow.chunk.messages',
  outboxRowId: 'orderflow.outbox.row_id',
  failureClass: 'orderflow.failure.class',
  attempts: 'orderflow.attempts',
} as const;

/** The instrumentation scope every platform span is made under. */
export const TRACER_NAME = '@orderflow/platform';

let active: Tracer | undefined;

/** Whether spans are made (tracing was started with an exporter, or a test installed a tracer). */
export function tracingEnabled(): boolean {
  return active !== undefined;
}

/** Makes spans with `tracer` from now on; undefined turns spans off again. Called by startTracing and by tests. */
export function useTracer(tracer: Tracer | undefined): void {
  active = tracer;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The span context a W3C `traceparent` names (as a remote parent); undefined when absent or malformed. */
export function spanContextOf(traceparent: string | undefined): SpanContext | undefined {
  const m = traceparent === undefined ? null : TRACEPARENT.exec(traceparent);
  if (m === null) return undefined;
  const context: SpanContext = {
    traceId: m[1]!,
    spanId: m[2]!,
    traceFlags: Number.parseInt(m[3]!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  return trace.isSpanContextValid(context) ? context : undefined;
}

/** The W3C `traceparent` naming `span` (what its children are parented by, across processes). */
export function traceparentOf(span: Span): string {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-${(traceFlags & TraceFlags.SAMPLED) === 0 ? '00' : '01'}`;
}

/**
 * Starts a span whose parent is `parent` (a span of this process, or a `traceparent` from a request,
 * an outbox row or a Kafka header; none or malformed: a new trace). Undefined while tracing is off.
 */
export function startSpan(
  name: string,
  kind: SpanKind,
  parent: Span | string | undefined,
  attributes: Attributes,
): Span | undefined {
  if (active === undefined) return undefined;
  const parentContext =
    typeof parent === 'string' || parent === undefined ? spanContextOf(parent) : parent.spanContext();
  const ctx = parentContext === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, parentContext);
  return active.startSpan(name, { kind, attributes }, ctx);
}

/** Ends `span`, marked as failed by `error` when given (its type in `error.type`, the exception recorded). */
export function endSpan(span: Span | undefined, error?: unknown): void {
  if (span === undefined) return;
  if (error !== undefined) failSpan(span, error);
  span.end();
}

/**
 * Marks `span` failed by `error` without ending it: `error.type` is the error's class and code
 * (`PermanentEventError:INVALID_EVENT`), and the exception event carries its message and stack with
 * email addresses and customer fields masked, as in the logs (a trace backend is no place for them).
 */
export function failSpan(span: Span | undefined, error: unknown): void {
  if (span === undefined) return;
  const message = maskPersonalText(error instanceof Error ? error.message : String(error));
  span.addEvent('exception', {
    [ATTR_EXCEPTION_TYPE]: error instanceof Error ? error.name : typeof error,
    [ATTR_EXCEPTION_MESSAGE]: message,
    ...(error instanceof Error && error.stack !== undefined
      ? { [ATTR_EXCEPTION_STACKTRACE]: maskPersonalText(error.stack) }
      : {}),
  });
  span.setAttribute(ATTR_ERROR_TYPE, errorCode(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: message.slice(0, 300) });
}

/**
 * Runs `fn` inside an INTERNAL span (a child of `parent`) that ends when `fn` settles, failed when it
 * throws; `fn` gets the span (undefined while tracing is off) to parent what it causes.
 */
export async function inSpan<T>(
  name: string,
  parent: Span | string | undefined,
  attributes: Attributes,
  fn: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  const span = startSpan(name, SpanKind.INTERNAL, parent, attributes);
  try {
    const result = await fn(span);
    endSpan(span);
    return result;
  } catch (err) {
    endSpan(span, err);
    throw err;
  }
}

const KAFKA = 'kafka';

/** A PRODUCER span `send <topic>` (messaging conventions), child of `parent`; undefined while tracing is off. */
export function startSendSpan(
  topic: string,
  parent: Span | string | undefined,
  attributes: Attributes = {},
): Span | undefined {
  if (active === undefined) return undefined;
  return startSpan(`send ${topic}`, SpanKind.PRODUCER, parent, {
    [MessagingAttr.system]: KAFKA,
    [MessagingAttr.destination]: topic,
    [MessagingAttr.operationType]: 'send',
    [MessagingAttr.operationName]: 'send',
    ...attributes,
  });
}

/** A CONSUMER span `process <topic>` (messaging conventions), child of the message's `traceparent`; undefined while tracing is off. */
export function startProcessSpan(
  topic: string,
  traceparent: string | undefined,
  attributes: Attributes,
): Span | undefined {
  if (active === undefined) return undefined;
  return startSpan(`process ${topic}`, SpanKind.CONSUMER, traceparent, {
    [MessagingAttr.system]: KAFKA,
    [MessagingAttr.destination]: topic,
    [MessagingAttr.operationType]: 'process',
    [MessagingAttr.operationName]: 'process',
    ...attributes,
  });
}
