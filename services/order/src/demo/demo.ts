// `npm run demo [-- --url http://localhost:8001]`: posts three sample orders through the generated
// order-API client — one that succeeds, one whose card is declined, one that is out of stock — and
// prints each order's journey as it happens by polling GET /orders/{id}. The orders carry no prices: the
// order service charges the catalog's (the inventory's seeded prices), and each answer shows them.
import { createOrderApiClient, type ApiCreateOrderRequest, type ApiOrder } from '@orderflow/contracts';
import path from 'node:path';
import { devJwksDir, devTokenMinter } from '@orderflow/platform';

interface Journey {
  label: string;
  request: ApiCreateOrderRequest;
}

const COLOURS = ['\x1b[32m', '\x1b[33m', '\x1b[35m'];
const RESET = '\x1b[0m';

function argValue(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const baseUrl = argValue('--url', 'http://localhost:8001');
// The inventory's seeded scarce SKU (5 units); ordering more than it holds goes out of stock.
const inventoryUrl = argValue('--inventory-url', 'http://localhost:8003');
// Signed in with the development issuer (npm run token): one token per customer of the journeys.
const root = path.resolve(__dirname, '../../../..');
const minter = devTokenMinter(devJwksDir(root, process.env));
const tokenOf = async (customer: string, scopes: string[] = []): Promise<string> =>
  (await minter)({ subject: customer, scopes, ttlSeconds: 3600 });
const clientOf = (customer: string) => createOrderApiClient(baseUrl, { token: () => tokenOf(customer) });
const colour = process.stdout.isTTY === true;

function say(i: number, label: string, text: string): void {
  const tag = `[${label}]`.padEnd(14);
  console.log(colour ? `${COLOURS[i % COLOURS.length]}${tag}${RESET} ${text}` : `${tag} ${text}`);
}

async function scarceQuantity(): Promise<number> {
  try {
    const res = await fetch(`${inventoryUrl}/inventory/SKU-SCARCE`, {
      headers: { authorization: `Bearer ${await tokenOf('demo')}` },
    });
    if (res.ok) return Math.min(10_000, ((await res.json()) as { available: number }).available + 1);
  } catch {
    // Inventory not reachable: the order below still shows how far the saga gets.
  }
  return 10_000;
}

async function follow(i: number, journey: Journey, t0: number): Promise<ApiOrder> {
  const client = clientOf(journey.request.customer.id);
  let placed = await client.POST('/orders', { body: journey.request });
  // Right after start-up the order service may not have read the seeded prices yet (catalog_price_set).
  for (
    let waited = 0;
    placed.response.status === 422 && placed.error?.code === 'SKU_NOT_PRICED';
    waited += 500
  ) {
    if (waited === 0) say(i, journey.label, 'the order service has no catalog price yet; waiting for it …');
    if (waited >= 30_000) break;
    await new Promise((r) => setTimeout(r, 500));
    placed = await client.POST('/orders', { body: journey.request });
  }
  if (!placed.data)
    throw new Error(
      `${journey.label}: POST /orders answered ${placed.response.status}: ${JSON.stringify(placed.error)}`,
    );
  let order = placed.data;
  say(
    i,
    journey.label,
    `POST /orders → ${placed.response.status} order ${order.id} ${order.status}, ${order.amountMinor} ${order.currency} at the catalog's prices (${order.timeline[0]?.detail ?? ''})`,
  );
  let shown = order.timeline.length;
  let status = order.status;
  const deadline = Date.now() + 60_000;
  while (!order.completed && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 150));
    const got = await client.GET('/orders/{orderId}', { params: { path: { orderId: order.id } } });
    if (!got.data)
      throw new Error(`${journey.label}: GET /orders/${order.id} answered ${got.response.status}`);
    order = got.data;
    for (const entry of order.timeline.slice(shown)) {
      say(
        i,
        journey.label,
        `+${String(Date.now() - t0).padStart(5)} ms  ${entry.type.padEnd(18)} ${entry.detail ?? ''}`,
      );
    }
    shown = order.timeline.length;
    if (order.status !== status) {
      say(i, journey.label, `+${String(Date.now() - t0).padStart(5)} ms  status ${status} → ${order.status}`);
      status = order.status;
    }
  }
  say(
    i,
    journey.label,
    order.completed
      ? `done: ${order.status}, customer notified at ${order.notifiedAt ?? '?'}`
      : `still ${order.status} after 60 s — is every service up? (npm run services -- status)`,
  );
  return order;
}

async function main(): Promise<number> {
  try {
    const ready = await fetch(`${baseUrl}/ready`, {
      headers: { authorization: `Bearer ${await tokenOf('demo-operator', ['operator'])}` },
    });
    if (!ready.ok) throw new Error(`/ready answered ${ready.status}: ${await ready.text()}`);
  } catch (err) {
    console.error(
      `The order service at ${baseUrl} is not ready (${err instanceof Error ? err.message : String(err)}). Start everything with: npm start`,
    );
    return 1;
  }
  const customer = (id: string, name: string) => ({ id, email: `${id}@example.com`, name });
  const journeys: Journey[] = [
    {
      label: 'successful',
      request: {
        customer: customer('ada', 'Ada Lovelace'),
        lines: [
          { sku: 'SKU-1', quantity: 2 },
          { sku: 'SKU-2', quantity: 1 },
        ],
        currency: 'EUR',
      },
    },
    {
      label: 'declined',
      request: {
        customer: customer('grace', 'Grace Hopper'),
        lines: [{ sku: 'SKU-3', quantity: 1 }],
        currency: 'EUR',
        paymentToken: 'tok_decline',
      },
    },
    {
      label: 'out of stock',
      request: {
        customer: customer('alan', 'Alan Turing'),
        lines: [{ sku: 'SKU-SCARCE', quantity: await scarceQuantity() }],
        currency: 'EUR',
      },
    },
  ];
  console.log(`Posting ${journeys.length} orders to ${baseUrl}/orders and following each one:\n`);
  const t0 = Date.now();
  const orders = await Promise.all(journeys.map((j, i) => follow(i, j, t0)));
  console.log('\nsummary:');
  orders.forEach((o, i) =>
    console.log(
      `  ${(journeys[i]?.label ?? '').padEnd(13)} ${o.id}  ${o.status.padEnd(14)} ${o.completed ? 'completed' : 'NOT completed'}  (${baseUrl}/orders/${o.id})`,
    ),
  );
  return orders.every((o) => o.completed) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
