// The console's page in headless Chromium against the in-memory fixture (no stack): every view renders,
// a journey opens with its four lanes and schema versions, a dead letter replays from the page.
// Screenshots: .test-results/console/*.png; docs/console.png for the README.
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { adminHeaders } from '../../../tests/support/auth';
import { attributes, count, launch, ROOT, screenshot, signIn, waitForText } from '../test/browser';
import { CONFIRMED_ORDER, FAILED_ORDER } from '../test/fixture-source';
import { serveFixture } from '../test/serve-fixture';

// A real browser on a 2-core machine: slower than a unit test's default 5 s.
jest.setTimeout(30_000);

let server: Awaited<ReturnType<typeof serveFixture>>;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  server = await serveFixture();
  browser = await launch();
  page = await browser.newPage();
  page.on('pageerror', (err) => problems.push(String(err)));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  const token = (await adminHeaders()).authorization.slice('Bearer '.length);
  await signIn(page, server.url, token);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('live orders with their states', async () => {
  await page.waitForSelector(`tr[data-order-id="${CONFIRMED_ORDER}"][data-status="CONFIRMED"]`);
  await page.waitForSelector(`tr[data-order-id="${FAILED_ORDER}"][data-status="PAYMENT_FAILED"]`);
  expect(await count(page, '#orders-table tbody tr')).toBe(3);
});

test("an order's journey: four lanes, decoded events, schema versions, its dead letter", async () => {
  await page.click(`tr[data-order-id="${CONFIRMED_ORDER}"]`);
  await page.waitForSelector(
    `.journey[data-order-id="${CONFIRMED_ORDER}"][data-status="CONFIRMED"][data-completed="true"]`,
  );
  const lanes = await Promise.all(
    (await attributes(page, '.journey .lane', 'data-lane')).map(async (lane) => [
      lane,
      await count(page, `.journey .lane[data-lane="${lane}"] .event`),
    ]),
  );
  expect(lanes).toEqual([
    ['order', 1],
    ['payment', 1],
    ['inventory', 1],
    ['notification', 1],
  ]);
  await waitForText(page, '.lane[data-lane="order"] .schema-version', 'order_created-value v2 (id 100)');
  await page.click('.lane[data-lane="inventory"] .event summary');
  await waitForText(page, '.lane[data-lane="inventory"] pre.json', '"reservationId": "res-1"');
  await screenshot(page, 'journey', path.join(ROOT, 'docs', 'console.png'));

  await page.click(`tr[data-order-id="${FAILED_ORDER}"]`);
  await page.waitForSelector(
    `.journey[data-order-id="${FAILED_ORDER}"] .dead-letter[data-topic="inventory_updated.DLT"]`,
  );
  await waitForText(page, '.journey .dead-letter', 'INCONSISTENT_EVENT');
});

test('the topic graph marks compensations', async () => {
  await page.click('a[data-view="topology"]');
  await page.waitForSelector('svg.graph g.topic[data-topic="order_created"]');
  const comp = (await attributes(page, 'svg.graph g.topic.compensation', 'data-topic')).sort();
  expect(comp).toEqual(['order_expired', 'payment_refunded']);
  await screenshot(page, 'topology');
});

test('lag per partition, outbox and stalled partitions per service', async () => {
  await page.click('a[data-view="health"]');
  await page.waitForSelector('.card[data-service="payment"].state-not-ready');
  await waitForText(page, '.card[data-service="payment"] dl', '3 row(s)');
  await waitForText(page, '.card[data-service="payment"] td.warn', '4');
  await screenshot(page, 'health');
});

test('dead letters: show and replay from the page', async () => {
  await page.click('a[data-view="dead-letters"]');
  await page.waitForSelector('tr.dlt-row[data-dlt="inventory_updated.DLT"]');
  await page.click('tr.dlt-row[data-dlt="inventory_updated.DLT"] button.show');
  await page.waitForSelector('.dlt-message[data-offset="0:0"] button.replay');
  await waitForText(page, '.dlt-message', 'PermanentEventError:INCONSISTENT_EVENT');
  await page.click('.dlt-message[data-offset="0:0"] button.replay');
  await waitForText(page, '#status', 'inventory_updated.DLT 0:0 replayed');
  await page.waitForSelector('.dlt-message.replayed[data-offset="0:0"]');
  expect(server.source.replays).toEqual([{ topic: 'inventory_updated', offset: '0' }]);
  await screenshot(page, 'dead-letters');
});

test('registry subjects with versions, compatibility and a diff', async () => {
  await page.click('a[data-view="registry"]');
  await page.waitForSelector('tr[data-subject="order_created-value"] button.diff');
  await page.click('tr[data-subject="order_created-value"] button.diff');
  await waitForText(page, '#diff h3', 'v1 (id 1) → v2 (id 100)');
  await waitForText(page, '#diff pre .add', '"name": "channel"');
  await screenshot(page, 'registry');
});

test('the event reference lists every event and field with its doc', async () => {
  await page.click('a[data-view="reference"]');
  await page.waitForSelector('#ref-order_created');
  expect(await count(page, '.event-doc')).toBe(8);
  await waitForText(page, '#ref-order_created', 'customer.email');
  await screenshot(page, 'reference');
  expect(problems).toEqual([]);
});
