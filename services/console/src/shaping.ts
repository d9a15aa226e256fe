// The console's data shaping: pure functions from what the platform exposes (the topic table and its
// schemas, events seen on the topics, Prometheus text, registry versions) to what the page draws. No I/O
// here, so every view's logic is unit-tested with nothing running.
import type { TopicDescriptor } from '@orderflow/codec';
import { Topics, topicDescriptors, type ApiOrderStatus } from '@orderflow/contracts';

type AnyDescriptor = TopicDescriptor<unknown, unknown>;

/** Every topic of the table, in table order. */
export const DESCRIPTORS: readonly AnyDescriptor[] = Object.values(
  topicDescriptors as unknown as Record<string, AnyDescriptor>,
);

/** The descriptor of a topic of the table (own properties only: the name comes from a request). */
export function descriptorOf(topic: string): AnyDescriptor | undefined {
  const all = topicDescriptors as unknown as Record<string, AnyDescriptor>;
  return Object.prototype.hasOwnProperty.call(all, topic) ? all[topic] : undefined;
}

interface AvroNamed {
  type?: unknown;
  name?: unknown;
  doc?: unknown;
  fields?: unknown;
  symbols?: unknown;
  items?: unknown;
  values?: unknown;
  logicalType?: unknown;
  default?: unknown;
}

/** True when the record's `doc` calls it a compensation (the schema is the contract; no second list to keep). */
export function isCompensation(schema: object): boolean {
  const doc = (schema as AvroNamed).doc;
  return typeof doc === 'string' && /\bcompensation\b/i.test(doc);
}

/** Whether a topic's messages are keyed by orderId (catalog_price_set is keyed sku:currency). */
export function keyedByOrder(descriptor: AnyDescriptor): boolean {
  const fields = ((descriptor.schema as AvroNamed).fields ?? []) as AvroNamed[];
  return fields.some((f) => f.name === 'orderId');
}

// ── Topic graph ─────────────────────────────────────────────────────────────────────────────────────

/** One edge of the topic graph: producer → topic → consumer. */
export interface GraphTopic {
  topic: string;
  deadLetterTopic: string;
  recordName: string;
  producer: string;
  consumers: string[];
  partitions: number;
  compensation: boolean;
}

/** The topic graph of the table: services, and each topic with its producer and consumers. */
export function topicGraph(descriptors: readonly AnyDescriptor[] = DESCRIPTORS): {
  services: string[];
  topics: GraphTopic[];
} {
  const services = new Set<string>();
  const topics = descriptors.map((d) => {
    services.add(d.producer);
    for (const c of d.consumers) services.add(c);
    return {
      topic: d.topic,
      deadLetterTopic: d.deadLetterTopic,
      recordName: d.recordName,
      producer: d.producer,
      consumers: [...d.consumers],
      partitions: d.partitions,
      compensation: isCompensation(d.schema),
    };
  });
  return { services: [...services], topics };
}

// ── Event reference ─────────────────────────────────────────────────────────────────────────────────

/** One field of an event, flattened: nested records' fields follow their parent with a dotted path. */
export interface ReferenceField {
  path: string;
  type: string;
  doc: string;
  default?: string;
}

/** One event of the reference. */
export interface ReferenceEvent {
  topic: string;
  recordName: string;
  subject: string;
  compatibility: string;
  doc: string;
  compensation: boolean;
  fields: ReferenceField[];
}

function typeName(type: unknown): string {
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return type.map(typeName).join(' | ');
  const t = type as AvroNamed;
  if (typeof t.logicalType === 'string') return `${String(t.type)} (${t.logicalType})`;
  if (t.type === 'enum' && Array.isArray(t.symbols))
    return `enum ${String(t.name)} {${t.symbols.join(', ')}}`;
  if (t.type === 'array') return `array<${typeName(t.items)}>`;
  if (t.type === 'map') return `map<${typeName(t.values)}>`;
  if (t.type === 'record') return `record ${String(t.name)}`;
  return String(t.type);
}

/** The record a type holds, looking through unions and arrays (so nested fields get listed). */
function nestedRecord(type: unknown): AvroNamed | undefined {
  if (Array.isArray(type)) return type.map(nestedRecord).find((r) => r !== undefined);
  if (type === null || typeof type !== 'object') return undefined;
  const t = type as AvroNamed;
  if (t.type === 'record') return t;
  if (t.type === 'array') return nestedRecord(t.items);
  if (t.type === 'map') return nestedRecord(t.values);
  return undefined;
}

function holdsArray(type: unknown): boolean {
  if (Array.isArray(type)) return type.some(holdsArray);
  return type !== null && typeof type === 'object' && (type as AvroNamed).type === 'array';
}

function flattenFields(record: AvroNamed, prefix: string, out: ReferenceField[], depth: number): void {
  for (const f of (record.fields ?? []) as AvroNamed[]) {
    const path = `${prefix}${String(f.name)}`;
    const field: ReferenceField = {
      path,
      type: typeName(f.type),
      doc: typeof f.doc === 'string' ? f.doc : '',
    };
    if ('default' in f) field.default = JSON.stringify(f.default);
    out.push(field);
    const inner = nestedRecord(f.type);
    if (inner !== undefined && depth < 8)
      flattenFields(inner, `${path}${holdsArray(f.type) ? '[]' : ''}.`, out, depth + 1);
  }
}

/** Every event and field of the table with its `doc`, for the HTML reference. */
export function eventReference(descriptors: readonly AnyDescriptor[] = DESCRIPTORS): ReferenceEvent[] {
  return descriptors.map((d) => {
    const schema = d.schema as AvroNamed;
    const fields: ReferenceField[] = [];
    flattenFields(schema, '', fields, 0);
    return {
      topic: d.topic,
      recordName: d.recordName,
      subject: d.subject,
      compatibility: d.compatibility,
      doc: typeof schema.doc === 'string' ? schema.doc : '',
      compensation: isCompensation(d.schema),
      fields,
    };
  });
}

// ── Prometheus text → health ────────────────────────────────────────────────────────────────────────

/** One sample of a Prometheus text exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses Prometheus text format 0.0.4 samples (comments and malformed lines skipped). */
export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL))
      labels[l[1] ?? ''] = (l[2] ?? '').replace(/\\n/g, '\n').replace(/\\(.)/g, '$1');
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    if (!Number.isNaN(value) || m[3] === 'NaN') out.push({ name: m[1] ?? '', labels, value });
  }
  return out;
}

/** One service's health as the console shows it. */
export interface ServiceHealth {
  service: string;
  url: string;
  /** `ready`, `not ready` (with the failing checks), or `down` (nothing answered). */
  state: 'ready' | 'not ready' | 'down';
  checks: Record<string, string>;
  lag: { topic: string; partition: number; lag: number }[];
  totalLag: number;
  stalledPartitions: number;
  outboxPending: number | null;
  outboxLagSeconds: number | null;
  deadLettered: { topic: string; class: string; count: number }[];
  error?: string;
}

/** What a service's /ready answered (its JSON, or problem+json with `checks`), and its /metrics text. */
export interface ServiceProbe {
  service: string;
  url: string;
  ready?: { status: number; body: unknown };
  metrics?: string;
  error?: string;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** Shapes a service's /ready and /metrics into its health row. */
export function serviceHealth(probe: ServiceProbe): ServiceHealth {
  const samples = parsePrometheus(probe.metrics ?? '');
  const named = (name: string): Sample[] => samples.filter((s) => s.name === name);
  const lag = named('orderflow_consumer_lag')
    .map((s) => ({ topic: s.labels.topic ?? '', partition: Number(s.labels.partition), lag: s.value }))
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  const one = (name: string): number | null => {
    const found = named(name);
    return found.length === 0 ? null : sum(found.map((s) => s.value));
  };
  const body = probe.ready?.body as { checks?: unknown } | undefined;
  const checks: Record<string, string> = {};
  if (body !== undefined && body.checks !== null && typeof body.checks === 'object')
    for (const [k, v] of Object.entries(body.checks)) checks[k] = String(v);
  const health: ServiceHealth = {
    service: probe.service,
    url: probe.url,
    state: probe.ready === undefined ? 'down' : probe.ready.status === 200 ? 'ready' : 'not ready',
    checks,
    lag,
    totalLag: sum(lag.map((l) => l.lag)),
    stalledPartitions: sum(named('orderflow_consumer_stalled_partitions').map((s) => s.value)),
    outboxPending: one('orderflow_outbox_pending'),
    outboxLagSeconds: one('orderflow_outbox_lag_seconds'),
    deadLettered: named('orderflow_dead_letters_total')
      .map((s) => ({ topic: s.labels.topic ?? '', class: s.labels.class ?? '', count: s.value }))
      .filter((d) => d.count > 0),
  };
  if (probe.error !== undefined) health.error = probe.error;
  return health;
}

// ── Orders and journeys ─────────────────────────────────────────────────────────────────────────────

/** An event of one order as seen on a topic, decoded. */
export interface SeenEvent {
  topic: string;
  partition: number;
  offset: string;
  /** Broker timestamp, ISO. */
  timestamp: string;
  schemaId: number | null;
  /** The decoded event as plain JSON (dates ISO), or undefined when it did not decode. */
  value?: Record<string, unknown>;
  /** Why it did not decode. */
  error?: string;
  headers: Record<string, string>;
}

/** A seen event with its schema version resolved and its producer. */
export interface JourneyEvent extends SeenEvent {
  recordName: string;
  producer: string;
  subject: string;
  schemaVersion: number | null;
  eventId: string | null;
  occurredAt: string | null;
  summary: string;
}

/** A dead letter of one order (a message on `<topic>.DLT` keyed by it). */
export interface JourneyDeadLetter extends SeenEvent {
  originalTopic: string;
  errorCode: string;
  errorMessage: string;
}

/**
 * The order status the events on the topics imply: one of the order API's OrderStatus (generated from
 * schemas/openapi/order-api.yaml); the order service's tracker decides the real one.
 */
export type DerivedStatus = ApiOrderStatus;

// Which of the API's statuses are final (the OpenAPI document says so only in prose). Keyed by the
// generated type, so a status the document adds does not compile here until it is placed.
const IS_FINAL: Readonly<Record<DerivedStatus, boolean>> = {
  PENDING: false,
  PAID: false,
  PAYMENT_FAILED: true,
  CONFIRMED: true,
  CANCELLED: true,
  EXPIRED: true,
};
// Object.keys of a Record over a closed union is exactly that union's members, in declaration order.
const STATUSES = Object.keys(IS_FINAL) as DerivedStatus[];

/** The statuses before a final one (PENDING, PAID). */
export const OPEN_STATUSES: readonly DerivedStatus[] = STATUSES.filter((s) => !IS_FINAL[s]);

/** Final statuses (PAYMENT_FAILED, CONFIRMED, CANCELLED, EXPIRED). */
export const FINAL_STATUSES: readonly DerivedStatus[] = STATUSES.filter((s) => IS_FINAL[s]);

/**
 * The status an order's events imply, in the order they happened: created → PENDING, charged → PAID,
 * declined → PAYMENT_FAILED, reserved → CONFIRMED, refunded → CANCELLED, expired → EXPIRED (which nothing
 * later changes, like the tracker). `completed` once the customer was told (notification_sent).
 */
export function deriveStatus(events: readonly Pick<SeenEvent, 'topic' | 'value'>[]): {
  status: DerivedStatus | 'UNKNOWN';
  completed: boolean;
} {
  let status: DerivedStatus | 'UNKNOWN' = 'UNKNOWN';
  let completed = false;
  for (const e of events) {
    if (e.value === undefined) continue;
    if (status === 'EXPIRED') {
      if (e.topic === Topics.NotificationSent) completed = true;
      continue;
    }
    switch (e.topic) {
      case Topics.OrderCreated:
        if (status === 'UNKNOWN') status = 'PENDING';
        break;
      case Topics.PaymentSuccessful:
        if (status === 'UNKNOWN' || status === 'PENDING') status = 'PAID';
        break;
      case Topics.PaymentFailed:
        status = 'PAYMENT_FAILED';
        break;
      case Topics.InventoryUpdated:
        if (e.value.status === 'RESERVED' && status === 'PAID') status = 'CONFIRMED';
        break;
      case Topics.PaymentRefunded:
        status = 'CANCELLED';
        break;
      case Topics.OrderExpired:
        status = 'EXPIRED';
        break;
      case Topics.NotificationSent:
        completed = true;
        break;
      default:
        break;
    }
  }
  return { status, completed };
}

function text(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
}

function money(value: Record<string, unknown>): string {
  const amount = value.amountMinor;
  return typeof amount === 'number' ? `${(amount / 100).toFixed(2)} ${text(value.currency)}` : '';
}

/** One line saying what an event says, for the timeline. */
export function summarize(topic: string, value: Record<string, unknown> | undefined): string {
  if (value === undefined) return 'not decodable';
  switch (topic) {
    case Topics.OrderCreated:
      return `order of ${money(value)} (${Array.isArray(value.lines) ? value.lines.length : 0} line(s))`;
    case Topics.PaymentSuccessful:
      return `charged ${money(value)}`;
    case Topics.PaymentFailed:
      return `declined: ${text(value.reason)}`;
    case Topics.InventoryUpdated:
      return value.status === 'RESERVED'
        ? `reserved (${text(value.reservationId)})`
        : `${text(value.status)}${Array.isArray(value.shortLines) && value.shortLines.length > 0 ? ` (${value.shortLines.length} line(s) short)` : ''}`;
    case Topics.PaymentRefunded:
      return `refunded ${money(value)}: ${text(value.reason)}`;
    case Topics.OrderExpired:
      return `expired while ${text(value.statusAtExpiry)}: ${text(value.reason)}`;
    case Topics.NotificationSent:
      return `customer told ${text(value.outcome)} via ${text(value.channel)}`;
    default:
      return '';
  }
}

/** Where a registry schema id sits: its subject and version. */
export interface SchemaVersionRef {
  subject: string;
  version: number;
}

/** Resolves each event's producer, schema version (id → version) and summary; sorted by when it happened. */
export function journeyEvents(
  seen: readonly SeenEvent[],
  versions: ReadonlyMap<number, SchemaVersionRef>,
): JourneyEvent[] {
  return seen
    .map((e): JourneyEvent => {
      const d = descriptorOf(e.topic);
      const ref = e.schemaId === null ? undefined : versions.get(e.schemaId);
      const occurredAt = e.value?.occurredAt;
      const eventId = e.value?.eventId;
      return {
        ...e,
        recordName: d?.recordName ?? '',
        producer: d?.producer ?? '',
        subject: ref?.subject ?? d?.subject ?? '',
        schemaVersion: ref?.version ?? null,
        eventId: typeof eventId === 'string' ? eventId : null,
        occurredAt: typeof occurredAt === 'string' ? occurredAt : null,
        summary: summarize(e.topic, e.value),
      };
    })
    .sort(
      (a, b) =>
        (a.occurredAt ?? a.timestamp).localeCompare(b.occurredAt ?? b.timestamp) ||
        a.timestamp.localeCompare(b.timestamp),
    );
}

/** The journey's lanes: which service's events the page shows in which column. */
export const LANES = [
  { lane: 'order', title: 'Order' },
  { lane: 'payment', title: 'Payment' },
  { lane: 'inventory', title: 'Reservation' },
  { lane: 'notification', title: 'Notification' },
] as const;

/** One order's journey across the services. */
export interface Journey {
  orderId: string;
  status: DerivedStatus | 'UNKNOWN';
  completed: boolean;
  customerId: string | null;
  amount: string;
  events: JourneyEvent[];
  lanes: Record<string, JourneyEvent[]>;
  deadLetters: JourneyDeadLetter[];
  /** What the payment service says (GET /payments/{id}), when it answered. */
  payment: unknown;
  /** What the notification service says (GET /notifications?orderId=). */
  notifications: unknown[];
}

/** Assembles one order's journey from its events and dead letters. */
export function assembleJourney(input: {
  orderId: string;
  events: readonly SeenEvent[];
  deadLetters: readonly SeenEvent[];
  versions: ReadonlyMap<number, SchemaVersionRef>;
  payment?: unknown;
  notifications?: readonly unknown[];
}): Journey {
  const events = journeyEvents(input.events, input.versions);
  const lanes: Record<string, JourneyEvent[]> = {};
  for (const { lane } of LANES) lanes[lane] = events.filter((e) => e.producer === lane);
  return {
    orderId: input.orderId,
    ...orderFacts(events),
    events,
    lanes,
    deadLetters: input.deadLetters.map((d) => ({
      ...d,
      originalTopic: d.headers['dlt-original-topic'] ?? d.topic.replace(/\.DLT$/, ''),
      errorCode: d.headers['dlt-error-code'] ?? '',
      errorMessage: d.headers['dlt-error-message'] ?? '',
    })),
    payment: input.payment ?? null,
    notifications: [...(input.notifications ?? [])],
  };
}

/** What an order's events (in the order they happened) say of it: status, whether told, customer, amount. */
function orderFacts(events: readonly Pick<SeenEvent, 'topic' | 'value'>[]): {
  status: DerivedStatus | 'UNKNOWN';
  completed: boolean;
  customerId: string | null;
  amount: string;
} {
  const created = events.find((e) => e.topic === Topics.OrderCreated)?.value;
  const customer = created?.customer as { id?: unknown } | undefined;
  return {
    ...deriveStatus(events),
    customerId: typeof customer?.id === 'string' ? customer.id : null,
    amount: created === undefined ? '' : money(created),
  };
}

/** One row of the live orders list. */
export interface OrderRow {
  orderId: string;
  status: DerivedStatus | 'UNKNOWN';
  completed: boolean;
  customerId: string | null;
  amount: string;
  firstSeen: string;
  lastEvent: string;
  lastTopic: string;
  events: number;
  deadLetters: number;
}

/** The live orders list: newest first, at most `limit`, optionally only one status. */
export function orderRows(
  orders: readonly { orderId: string; events: readonly SeenEvent[]; deadLetters: number }[],
  opts: { limit: number; status?: string },
): OrderRow[] {
  const rows = orders.map((o): OrderRow => {
    const sorted = [...o.events].sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    const last = sorted[sorted.length - 1];
    return {
      orderId: o.orderId,
      ...orderFacts(sorted),
      firstSeen: sorted[0]?.timestamp ?? '',
      lastEvent: last?.timestamp ?? '',
      lastTopic: last?.topic ?? '',
      events: sorted.length,
      deadLetters: o.deadLetters,
    };
  });
  return rows
    .filter((r) => opts.status === undefined || r.status === opts.status)
    .sort((a, b) => b.firstSeen.localeCompare(a.firstSeen) || a.orderId.localeCompare(b.orderId))
    .slice(0, opts.limit);
}

// ── Registry ────────────────────────────────────────────────────────────────────────────────────────

/** One line of a diff. */
export interface DiffLine {
  op: ' ' | '-' | '+';
  text: string;
}

/** The schema text as the diff compares it: pretty JSON (2 spaces), so one field is a few lines. */
export function prettySchema(schema: string): string {
  try {
    return JSON.stringify(JSON.parse(schema), null, 2);
  } catch {
    return schema;
  }
}

/** A line diff (longest common subsequence) of two texts; inputs are capped at 4,000 lines each. */
export function lineDiff(before: string, after: string): DiffLine[] {
  const a = before.split('\n').slice(0, 4000);
  const b = after.split('\n').slice(0, 4000);
  // lcs[i][j]: length of the LCS of a[i..] and b[j..], kept in one flat array.
  const w = b.length + 1;
  const lcs = new Uint16Array((a.length + 1) * w);
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i * w + j] =
        a[i] === b[j]
          ? (lcs[(i + 1) * w + j + 1] ?? 0) + 1
          : Math.max(lcs[(i + 1) * w + j] ?? 0, lcs[i * w + j + 1] ?? 0);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ op: ' ', text: a[i] ?? '' });
      i++;
      j++;
    } else if ((lcs[(i + 1) * w + j] ?? 0) >= (lcs[i * w + j + 1] ?? 0))
      out.push({ op: '-', text: a[i++] ?? '' });
    else out.push({ op: '+', text: b[j++] ?? '' });
  }
  while (i < a.length) out.push({ op: '-', text: a[i++] ?? '' });
  while (j < b.length) out.push({ op: '+', text: b[j++] ?? '' });
  return out;
}

/** A subject of the registry as the console lists it. */
export interface SubjectRow {
  subject: string;
  topic: string | null;
  versions: { version: number; id: number }[];
  /** The subject's own level, or undefined when it has none (the registry default applies). */
  compatibility: string | null;
  /** What the topic table asks for. */
  expectedCompatibility: string | null;
}

/** Joins registry subjects with the topic table (the table's subjects first, in table order). */
export function subjectRows(
  subjects: readonly {
    subject: string;
    versions: { version: number; id: number }[];
    compatibility: string | null;
  }[],
  descriptors: readonly AnyDescriptor[] = DESCRIPTORS,
): SubjectRow[] {
  const order = new Map(descriptors.map((d, i) => [d.subject, i]));
  return subjects
    .map((s) => {
      const d = descriptors.find((x) => x.subject === s.subject);
      return {
        ...s,
        versions: [...s.versions].sort((a, b) => a.version - b.version),
        topic: d?.topic ?? null,
        expectedCompatibility: d?.compatibility ?? null,
      };
    })
    .sort(
      (a, b) =>
        (order.get(a.subject) ?? Infinity) - (order.get(b.subject) ?? Infinity) ||
        a.subject.localeCompare(b.subject),
    );
}

/** Plain JSON of a decoded event: Dates as ISO text, bigints as numbers when safe, bytes as hex. */
export function toPlainJson(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v === 'bigint')
        return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)
          ? Number(v)
          : v.toString();
      if (v !== null && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer')
        return `0x${Buffer.from((v as { data: number[] }).data).toString('hex')}`;
      return v;
    }),
  );
}
