import { adminKafkaSecurity, kafkaClientSecurity } from '@orderflow/platform';
// What the e2e suites share: the generated order-API client, sample orders, polling an order to its
// end, the other services' HTTP endpoints, reading the saga topics and the order database.
import { randomUUID } from 'node:crypto';
import { parseFrame, SchemaRegistryClient } from '@orderflow/codec';
import {
  createOrderApiClient,
  topicDescriptors,
  topicTable,
  type ApiCreateOrderRequest,
  type ApiOrder,
  type OrderApiClient,
} from '@orderflow/contracts';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { adminHeaders, bearer, tokenFor } from '../../support/auth';
import { serviceDatabaseUrl } from '@orderflow/platform/postgres';

export const ORDER_API = 'http://localhost:8001';
export const INVENTORY_API = 'http://localhost:8003';
export const REGISTRY_URL = 'http://localhost:8081/apis/ccompat/v7';
export const BROKERS = ['localhost:9092'];
export const ORDER_DB = serviceDatabaseUrl('order');

const clients = new Map<string, OrderApiClient>();

/** The generated, typed client of the order API, signed in as `customer` (a dev-issuer token for that subject). */
export function apiAs(customer: string): OrderApiClient {
  let client = clients.get(customer);
  if (client === undefined) {
    client = createOrderApiClient(ORDER_API, { token: () => tokenFor(customer) });
    clients.set(customer, client);
  }
  return client;
}

/** Who placed each order through `placeOrder`: GET /orders/{id} answers only its owner. */
const owners = new Map<string, string>();

/** The payment simulator declines this token (DECLINED). */
export const DECLINING_TOKEN = 'tok_decline';
/** A seeded SKU with plenty of stock. */
export const PLENTIFUL_SKU = 'SKU-1';

/** Every topic of the saga, from the topic table. */
export const SAGA_TOPICS: readonly string[] = topicTable.map((t) => t.topic);

/** The SKUs the inventory seeds, each priced in EUR, USD and GBP (services/inventory/src/seed.ts). */
export const SEEDED_SKUS: readonly string[] = ['SKU-1', 'SKU-2', 'SKU-3', 'SKU-4', 'SKU-5', 'SKU-SCARCE'];

/**
 * A valid order request, without prices (the catalog's are charged); `marker` (the customer id) makes its
 * rows and events easy to find.
 */
export function orderRequest(
  overrides: Partial<ApiCreateOrderRequest> = {},
  marker = `e2e-${randomUUID()}`,
): ApiCreateOrderRequest {
  return {
    customer: { id: marker, email: 'ada@example.com', name: 'Ada Lovelace' },
    lines: [{ sku: PLENTIFUL_SKU, quantity: 1 }],
    currency: 'EUR',
    ...overrides,
  };
}

/** Places an order through the generated client as its customer; fails the test unless it answered 201. */
export async function placeOrder(body: ApiCreateOrderRequest): Promise<ApiOrder> {
  const { data, error, response } = await apiAs(body.customer.id).POST('/orders', { body });
  if (response.status !== 201 || !data)
    throw new Error(`POST /orders answered ${response.status}: ${JSON.stringify(error)}`);
  owners.set(data.id, body.customer.id);
  return data;
}

/**
 * Places an order as a client that meets load shedding would: a 503 (the order service refusing at once
 * rather than queueing, with Retry-After) is retried after that delay with the same Idempotency-Key, so
 * the order is accepted once or not at all. Anything but 201/200/503 fails the test.
 */
export async function placeOrderThroughShedding(
  body: ApiCreateOrderRequest,
  attempts = 30,
): Promise<ApiOrder> {
  const key = randomUUID();
  for (let attempt = 1; ; attempt++) {
    const { data, error, response } = await apiAs(body.customer.id).POST('/orders', {
      body,
      headers: { 'Idempotency-Key': key },
    });
    if ((response.status === 201 || response.status === 200) && data) {
      owners.set(data.id, body.customer.id);
      return data;
    }
    if (response.status !== 503 || attempt >= attempts)
      throw new Error(
        `POST /orders answered ${response.status} (attempt ${attempt}): ${JSON.stringify(error)}`,
      );
    const retryAfter = Number(response.headers.get('retry-after') ?? '1');
    await new Promise((r) => setTimeout(r, (Number.isFinite(retryAfter) ? retryAfter : 1) * 1000));
  }
}

/** GET /orders/{id} through the generated client, as `customer` (default: who placed it through placeOrder). */
export async function getOrder(id: string, customer = owners.get(id)): Promise<ApiOrder> {
  if (customer === undefined)
    throw new Error(
      `order ${id} was not placed through placeOrder: say whose it is (getOrder(id, customer))`,
    );
  const { data, error, response } = await apiAs(customer).GET('/orders/{orderId}', {
    params: { path: { orderId: id } },
  });
  if (!data) throw new Error(`GET /orders/${id} answered ${response.status}: ${JSON.stringify(error)}`);
  return data;
}

/** Polls the order (as its owner, see getOrder) until `done` holds (default: the saga is over for it); throws with its last state on timeout. */
export async function waitForOrder(
  id: string,
  done: (o: ApiOrder) => boolean = (o) => o.completed,
  timeoutMs = 45_000,
): Promise<ApiOrder> {
  const end = Date.now() + timeoutMs;
  let last: ApiOrder | undefined;
  while (Date.now() < end) {
    last = await getOrder(id);
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `order ${id} did not get there within ${timeoutMs} ms; last seen: ${JSON.stringify(last, null, 2)}`,
  );
}

/**
 * Sets a SKU's available units outright through the inventory's test endpoint (creating the SKU). A SKU
 * made this way has no price: give it one with priceSku (tests/support/catalog.ts) before ordering it.
 */
export async function setStock(sku: string, available: number): Promise<void> {
  const res = await fetch(`${INVENTORY_API}/inventory/${encodeURIComponent(sku)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...(await adminHeaders()) },
    body: JSON.stringify({ available }),
  });
  if (!res.ok) throw new Error(`PUT /inventory/${sku} answered ${res.status}: ${await res.text()}`);
}

/** The inventory's view of a SKU (GET /inventory/{sku}). */
export async function getStock(sku: string): Promise<{ sku: string; available: number; reserved: number }> {
  const res = await fetch(`${INVENTORY_API}/inventory/${encodeURIComponent(sku)}`, {
    headers: await bearer('e2e-stock-reader'),
  });
  if (!res.ok) throw new Error(`GET /inventory/${sku} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { sku: string; available: number; reserved: number };
}

export const PAYMENT_API = 'http://localhost:8002';

/** What the payment service recorded for an order (GET /payments/{orderId}, admin API). */
export interface PaymentRecord {
  paymentId: string;
  orderId: string;
  status: 'SUCCEEDED' | 'FAILED' | 'REFUNDED';
  amountMinor: number;
  currency: string;
}

/** The payment service's record of an order's charge, as an admin reads it; undefined while it has none. */
export async function getPayment(orderId: string): Promise<PaymentRecord | undefined> {
  const res = await fetch(`${PAYMENT_API}/payments/${orderId}`, { headers: await adminHeaders() });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`GET /payments/${orderId} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as PaymentRecord;
}

/** One message read back from a saga topic. */
export interface SagaMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | undefined;
  value: Buffer;
  headers: Record<string, string>;
}

/**
 * Reads the saga topics with a fresh kafkajs consumer group, starting at the offsets of `since` (so a
 * long-lived broker's history is skipped), keeping the messages keyed by one of `orderIds` (or all). Returns
 * once `expected` messages were seen and `settleMs` passed without more, or at `timeoutMs`.
 */
export async function readSagaMessages(
  orderIds: ReadonlySet<string> | 'all',
  opts: {
    since: number;
    expected: number;
    timeoutMs?: number;
    settleMs?: number;
    topics?: readonly string[];
  },
): Promise<SagaMessage[]> {
  const kafka = new Kafka({
    clientId: 'e2e-reader',
    brokers: BROKERS,
    ...kafkaClientSecurity(adminKafkaSecurity()),
    logLevel: logLevel.NOTHING,
  });
  const topics = opts.topics ?? SAGA_TOPICS;
  const admin = kafka.admin();
  await admin.connect();
  const starts = await Promise.all(
    topics.map(async (topic) => ({
      topic,
      partitions: await admin.fetchTopicOffsetsByTimestamp(topic, opts.since),
    })),
  );
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `e2e-reader-${randomUUID()}` });
  const got: SagaMessage[] = [];
  let lastArrival = Date.now();
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics], fromBeginning: true });
  await consumer.run({
    eachMessage: ({ topic, partition, message }) => {
      const key = message.key?.toString();
      if (key === undefined || (orderIds !== 'all' && !orderIds.has(key)) || !message.value)
        return Promise.resolve();
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {}))
        headers[k] = String(Array.isArray(v) ? v[0] : v);
      got.push({ topic, partition, offset: message.offset, key, value: message.value, headers });
      lastArrival = Date.now();
      return Promise.resolve();
    },
  });
  for (const { topic, partitions } of starts)
    for (const p of partitions) consumer.seek({ topic, partition: p.partition, offset: p.offset });
  const end = Date.now() + (opts.timeoutMs ?? 30_000);
  const settle = opts.settleMs ?? 1500;
  while (Date.now() < end && !(got.length >= opts.expected && Date.now() - lastArrival >= settle)) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await consumer.disconnect();
  return got;
}

const registry = new SchemaRegistryClient({ url: REGISTRY_URL });
const idsBySubject = new Map<string, Set<number>>();

/** Every schema id registered under `subject` (all versions). */
export async function registeredIds(subject: string): Promise<Set<number>> {
  const cached = idsBySubject.get(subject);
  if (cached) return cached;
  const versions = await registry.listVersions(subject);
  const ids = new Set(
    (await Promise.all(versions.map((v) => registry.getVersion(subject, v)))).map((v) => v.id),
  );
  idsBySubject.set(subject, ids);
  return ids;
}

/** Decodes a saga message with its topic's generated codec (writer schema fetched by the id in the frame). */
export async function decodeSagaMessage(
  m: SagaMessage,
): Promise<{ schemaId: number; event: { orderId: string; eventId: string } & Record<string, unknown> }> {
  const descriptor = topicDescriptors[m.topic as keyof typeof topicDescriptors];
  if (!descriptor) throw new Error(`topic ${m.topic} is not in the topic table`);
  const frame = parseFrame(m.value, m.topic);
  const event = (await descriptor.codec(registry).decode(m.value)) as unknown as {
    orderId: string;
    eventId: string;
  } & Record<string, unknown>;
  return { schemaId: frame.schemaId, event };
}

/** The order rows and outbox events of a customer in the order database: what its requests left behind. */
export async function leftBehind(customer: string): Promise<{ orders: number; outbox: number }> {
  const [orders] = await orderDb<{ n: number }>(
    `SELECT count(*)::int AS n FROM orders WHERE customer_id = $1`,
    [customer],
  );
  const [outbox] = await orderDb<{ n: number }>(
    // The outbox holds encoded events: Avro writes the customer id's UTF-8 bytes as they are.
    `SELECT count(*)::int AS n FROM outbox WHERE position(convert_to($1, 'UTF8') IN value) > 0`,
    [customer],
  );
  return { orders: orders?.n ?? -1, outbox: outbox?.n ?? -1 };
}

/** Runs one query on the order service's database. */
export async function orderDb<T extends pg.QueryResultRow>(
  sql: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: ORDER_DB });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}
