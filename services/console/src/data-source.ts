// What the console reads and does, behind one interface: the live implementation talks to Kafka, the
// registry and the services (live/live-source.ts); the browser test serves an in-memory fixture.
import type { DltSummary, InspectedDlt, OffsetRef } from '@orderflow/stack/dead-letters';
import type { Journey, OrderRow, ServiceHealth, SubjectRow } from './shaping';

/** A version of a subject, with its schema text. */
export interface SchemaText {
  subject: string;
  version: number;
  id: number;
  schema: string;
}

/** The outcome of a replay from the page. */
export interface ReplayResult {
  topic: string;
  dlt: string;
  /** Each message's outcome (offsets as decimal text: JSON has no 64-bit integers). */
  outcomes: {
    partition: number;
    offset: string;
    result: 'replayed' | 'refused' | 'already replayed';
    reason?: string;
  }[];
}

/** Everything the console's API reads or does. */
export interface ConsoleData {
  /** The orders seen on the topics, newest first. */
  orders(opts: { limit: number; status?: string }): Promise<OrderRow[]>;
  /** One order's journey; undefined when no event of it was seen. */
  journey(orderId: string): Promise<Journey | undefined>;
  /** Each service's readiness, consumer lag, outbox and stalled partitions. */
  health(): Promise<ServiceHealth[]>;
  /** Every dead-letter topic with its counts. */
  deadLetters(): Promise<DltSummary[]>;
  /** Messages of one DLT (newest `limit`, or one offset), decoded. */
  deadLetterMessages(topic: string, opts: { offset?: OffsetRef; limit?: number }): Promise<InspectedDlt>;
  /** Replays one DLT message (or all not yet replayed) with the DLT tool's rules. */
  replay(topic: string, opts: { offset?: OffsetRef; all?: boolean }): Promise<ReplayResult>;
  /** Registry subjects with versions and compatibility. */
  subjects(): Promise<SubjectRow[]>;
  /** One version of a subject; undefined when the registry has none. */
  schema(subject: string, version: number): Promise<SchemaText | undefined>;
  /** Resolves once the sources answer (for /ready). */
  ready(): Promise<void>;
  /** Stops background work (the topic reader). */
  close(): Promise<void>;
}
