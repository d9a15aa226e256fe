import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { MAX_VALUES_FULLY_CHECKED, OpenApiValidator } from './openapi-validator';

// The real document: these tests pin what the API promises its clients.
const validator = OpenApiValidator.fromFile(
  path.resolve(__dirname, '../../../../schemas/openapi/order-api.yaml'),
);
const createOrder = validator.operation('post', '/orders');
const listOrders = validator.operation('get', '/orders');
const getOrder = validator.operation('get', '/orders/{orderId}');

const valid = {
  customer: { id: 'c-1', email: 'ada@example.com', name: 'Ada' },
  lines: [{ sku: 'SKU-1', quantity: 2, unitPriceMinor: 1999 }],
  currency: 'EUR',
  paymentToken: 'tok_visa',
};

describe('request validation from order-api.yaml', () => {
  it('accepts a valid order', () => {
    expect(createOrder.body(valid)).toEqual([]);
  });

  it('accepts lines without a price (the server prices them from the catalog), not a negative one', () => {
    expect(createOrder.body({ ...valid, lines: [{ sku: 'SKU-1', quantity: 2 }] })).toEqual([]);
    expect(
      createOrder.body({ ...valid, lines: [{ sku: 'SKU-1', quantity: 2, unitPriceMinor: -1 }] }),
    ).toEqual([{ path: '/lines/0/unitPriceMinor', message: 'must be >= 0' }]);
  });

  it('names the field of every problem as a JSON pointer', () => {
    const issues = createOrder.body({
      ...valid,
      customer: { id: 'c-1', email: 'not-an-email' },
      lines: [
        { sku: 'SKU-1', quantity: 0, unitPriceMinor: 5 },
        { sku: 'SKU-2', unitPriceMinor: 5, colour: 'red' },
      ],
      currency: 'euro',
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: '/customer/email', message: 'must match format "email"' },
        { path: '/lines/0/quantity', message: 'must be >= 1' },
        { path: '/lines/1/quantity', message: 'is required' },
        { path: '/lines/1/colour', message: 'is not a known field' },
        { path: '/currency', message: 'must match pattern "^[A-Z]{3}$"' },
      ]),
    );
  });

  it('refuses a missing body, an empty order and a non-object', () => {
    expect(createOrder.body(undefined)).toEqual([{ path: '/', message: 'a JSON request body is required' }]);
    expect(createOrder.body({ ...valid, lines: [] })).toEqual([
      { path: '/lines', message: 'must NOT have fewer than 1 items' },
    ]);
    expect(createOrder.body([valid])[0]?.path).toBe('/');
  });

  it('checks the Idempotency-Key header against its declared length', () => {
    expect(createOrder.params('header', { 'Idempotency-Key': 'k'.repeat(256) })).toEqual([
      { path: 'header.Idempotency-Key', message: 'must NOT have more than 255 characters' },
    ]);
    expect(createOrder.params('header', { 'Idempotency-Key': 'abc' })).toEqual([]);
  });

  it('coerces query parameters and applies their defaults', () => {
    const query: Record<string, unknown> = { limit: '5', status: 'PAID' };
    expect(listOrders.params('query', query)).toEqual([]);
    expect(query.limit).toBe(5);
    const defaults: Record<string, unknown> = {};
    listOrders.params('query', defaults);
    expect(defaults.limit).toBe(20);
    expect(listOrders.params('query', { limit: '500', status: 'SHIPPED' })).toEqual([
      {
        path: 'query.status',
        message: 'must be one of PENDING, PAID, PAYMENT_FAILED, CONFIRMED, CANCELLED, EXPIRED',
      },
      { path: 'query.limit', message: 'must be <= 100' },
    ]);
  });

  it('names every problem of a small body, only the first of a body too big to be an order', () => {
    const small = createOrder.body({ lines: Array.from({ length: 300 }, () => ({})) });
    expect(small).toHaveLength(2 * 300 + 3); // sku and quantity per line, customer, currency, more than 100 lines
    // 63 KB of empty lines: 42,003 problems with every one named (tens of ms of ajv); the first suffices.
    const huge = { lines: Array.from({ length: 21_000 }, () => ({})) };
    expect(JSON.stringify(huge).length).toBeGreaterThan(63_000);
    const issues = createOrder.body(huge);
    expect(issues).toEqual([
      { path: '/customer', message: 'is required' },
      {
        path: '/',
        message: `holds more than ${MAX_VALUES_FULLY_CHECKED} JSON values; only its first problem is named`,
      },
    ]);
  });

  it('takes an order id only as a 36-character UUID', () => {
    const id = randomUUID();
    expect(getOrder.params('path', { orderId: id })).toEqual([]);
    for (const orderId of [`urn:uuid:${id}`, id.replaceAll('-', ''), `{${id}}`])
      expect(getOrder.params('path', { orderId })[0]?.path).toBe('path.orderId');
  });

  it('fails fast for an operation the document does not have', () => {
    expect(() => validator.operation('delete', '/orders')).toThrow(/no operation DELETE \/orders/);
  });
});
