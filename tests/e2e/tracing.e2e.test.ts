// One order, one trace, on the real stack: the four services are restarted with
// OTEL_TRACES_EXPORTER=otlp pointing at an OTLP/HTTP receiver inside this test process, one order is
// POSTed and completes, and its trace holds spans of all four services, rooted at the POST, parented
// hop by hop down to the order service handling notification_sent. The services are restarted without
// tracing afterwards (the harness's usual environment).
import { SERVICES } from '@orderflow/stack';
import { restartWith } from '../faults/support/under-load';
import { orderRequest, placeOrder, waitForOrder } from './support/saga';
import {
  OtlpSpanKind,
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedSpan,
} from './support/otlp-receiver';

/** The happy saga's path from the POST to the last handler, as (service, span name) from root to leaf. */
const HAPPY_PATH: readonly [service: string, span: string][] = [
  ['order', 'POST /orders'],
  ['order', 'send order_created'],
  ['payment', 'process order_created'],
  ['payment', 'handle order_created'],
  ['payment', 'send payment_successful'],
  ['inventory', 'process payment_successful'],
  ['inventory', 'handle payment_successful'],
  ['inventory', 'send inventory_updated'],
  ['notification', 'process inventory_updated'],
  ['notification', 'handle inventory_updated'],
  ['notification', 'send notification_sent'],
  ['order', 'process notification_sent'],
  ['order', 'handle notification_sent'],
];

let receiver: OtlpReceiver;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  for (const { name } of SERVICES)
    await restartWith(name, {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      // Export within half a second of a span ending (the default batches for 5 s).
      OTEL_BSP_SCHEDULE_DELAY: '500',
    });
}, 900_000);

afterAll(async () => {
  // Back to the usual environment (tracing off) whatever happened above; the receiver closes last so a
  // service's final flush at shutdown still finds it.
  const failures: unknown[] = [];
  for (const { name } of SERVICES) await restartWith(name).catch((err: unknown) => failures.push(err));
  await receiver.close();
  if (failures.length > 0) throw failures[0];
}, 900_000);

/** The spans of `traceId` received so far. */
function traceOf(traceId: string): ReceivedSpan[] {
  return receiver.spans().filter((s) => s.traceId === traceId);
}

/** From `leaf` up to its root through parentSpanId, as (service, name) pairs from the root down. */
function pathTo(leaf: ReceivedSpan, spans: readonly ReceivedSpan[]): [string, string][] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const path: [string, string][] = [];
  for (let s: ReceivedSpan | undefined = leaf; s !== undefined; s = byId.get(s.parentSpanId ?? '')) {
    path.unshift([s.serviceName, s.name]);
    if (path.length > 100) break;
  }
  return path;
}

test('a POSTed order is one trace across all four services, from the POST to notification_sent', async () => {
  const placed = await placeOrder(orderRequest());
  const done = await waitForOrder(placed.id, (o) => o.completed && o.notifiedAt !== null, 60_000);
  expect(done.status).toBe('CONFIRMED');

  // The trace id: the payment service's CONSUMER span of this order's order_created names the order.
  let trace: ReceivedSpan[] = [];
  let leaf: ReceivedSpan | undefined;
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    const consumed = receiver
      .spans()
      .find((s) => s.name === 'process order_created' && s.attributes['orderflow.order_id'] === placed.id);
    if (consumed !== undefined) {
      trace = traceOf(consumed.traceId);
      leaf = trace.find((s) => s.serviceName === 'order' && s.name === 'handle notification_sent');
      // Complete once the last hop arrived and every span's parent is in the trace (or it is the root).
      const ids = new Set(trace.map((s) => s.spanId));
      if (leaf !== undefined && trace.every((s) => s.parentSpanId === undefined || ids.has(s.parentSpanId)))
        break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const summary = (): string =>
    `received ${receiver.spans().length} spans (refused payloads: ${JSON.stringify(receiver.refused())}); this trace: ${JSON.stringify(
      trace.map((s) => [s.serviceName, s.name, s.spanId, s.parentSpanId]),
    )}`;
  expect(leaf).toBeDefined();
  if (leaf === undefined)
    throw new Error(`the trace never reached notification_sent's handler: ${summary()}`);

  // All four services take part, under one root: the order service's POST /orders SERVER span.
  expect(new Set(trace.map((s) => s.serviceName))).toEqual(
    new Set(['order', 'payment', 'inventory', 'notification']),
  );
  const roots = trace.filter((s) => s.parentSpanId === undefined);
  expect(roots.map((s) => [s.serviceName, s.name, s.kind])).toEqual([
    ['order', 'POST /orders', OtlpSpanKind.SERVER],
  ]);
  expect(roots[0]!.attributes).toMatchObject({ 'http.route': '/orders', 'http.response.status_code': 201 });

  // Hop by hop, each span the child of the one before it.
  expect(pathTo(leaf, trace)).toEqual(HAPPY_PATH);

  // notification_sent's send is in it: a PRODUCER span of the notification service, into Kafka.
  const sent = trace.find((s) => s.name === 'send notification_sent');
  expect(sent).toMatchObject({
    serviceName: 'notification',
    kind: OtlpSpanKind.PRODUCER,
    attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': 'notification_sent' },
  });
  // Every consume is a CONSUMER span handled in this trace; nothing in it failed.
  for (const s of trace.filter((t) => t.name.startsWith('process ')))
    expect([s.kind, s.attributes['orderflow.consumer.outcome']]).toEqual([OtlpSpanKind.CONSUMER, 'handled']);
  expect(trace.filter((s) => s.statusCode === 2).map((s) => s.name)).toEqual([]);
}, 180_000);
