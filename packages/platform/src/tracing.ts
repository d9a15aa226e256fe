import { randomBytes, randomUUID } from 'node:crypto';
import type { IHeaders } from 'kafkajs';
import { spanContextOf, tracingEnabled } from './spans';

/** The headers every event carries (DESIGN: wire format). */
export interface EventHeaders {
  traceparent: string;
  'correlation-id': string;
  'causation-id'?: string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Random bytes drawn a few kilobytes at a time (one `randomBytes` call per id costs a system call each). */
const randomPool = { bytes: Buffer.alloc(0), at: 0 };
function randomHex(size: number): string {
  if (randomPool.at + size > randomPool.bytes.length) {
    randomPool.bytes = randomBytes(4096);
    randomPool.at = 0;
  }
  const hex = randomPool.bytes.toString('hex', randomPool.at, randomPool.at + size);
  randomPool.at += size;
  return hex;
}

/** A W3C traceparent continuing `parent`'s trace with a new span id, or starting a new trace. */
export function nextTraceparent(parent?: string): string {
  const m = parent ? TRACEPARENT.exec(parent) : null;
  const traceId = m?.[1] ?? randomHex(16);
  return `00-${traceId}-${randomHex(8)}-${m?.[3] ?? '01'}`;
}

/**
 * Headers for an event caused by a request or event with the given correlation/trace (new ones when
 * absent). While tracing is on, `traceparent` is the causing span's own (the HTTP request's, the
 * handler's) and is kept as it is, so the relay's send span becomes that span's child; while it is off
 * the event continues the trace with a new span id, as it always did.
 */
export function eventHeaders(
  from: {
    correlationId?: string | undefined;
    traceparent?: string | undefined;
    causationId?: string | undefined;
  } = {},
): EventHeaders {
  const h: EventHeaders = {
    traceparent:
      tracingEnabled() && spanContextOf(from.traceparent) !== undefined
        ? from.traceparent!
        : nextTraceparent(from.traceparent),
    'correlation-id': from.correlationId ?? randomUUID(),
  };
  if (from.causationId !== undefined) h['causation-id'] = from.causationId;
  return h;
}

/** Kafka headers as a plain string map (first value of repeated headers). */
export function headersToRecord(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    const first = Array.isArray(v) ? v[0] : v;
    // Defined, not assigned: a header named "__proto__" is kept as data instead of hitting the setter.
    if (first !== undefined)
      Object.defineProperty(out, k, {
        value: first.toString(),
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return out;
}
