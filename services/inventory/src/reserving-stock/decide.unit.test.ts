import type { PaymentSuccessful } from '@orderflow/contracts';
import { decideReservation, demandOf } from './decide';

const env = { newId: () => 'new-id', now: new Date('2026-11-25T12:00:00Z') };
const payment = (lines: PaymentSuccessful['lines']): PaymentSuccessful => ({
  eventId: 'e-1',
  occurredAt: new Date('2026-11-25T11:59:00Z'),
  orderId: 'o-1',
  paymentId: 'p-1',
  amountMinor: 1000,
  currency: 'EUR',
  customer: { id: 'c-1', email: 'ada@example.com', name: null },
  lines,
});
const line = (sku: string, quantity: number) => ({ sku, quantity, unitPriceMinor: 100 });

test('the demand merges lines of the same SKU and is sorted by SKU (the lock order)', () => {
  expect(demandOf('o-1', [line('B', 1), line('A', 2), line('B', 3)])).toEqual([
    { sku: 'A', quantity: 2 },
    { sku: 'B', quantity: 4 },
  ]);
});

test('every SKU with enough units → RESERVED with a reservation id, no short lines, payment and customer carried on', () => {
  const [event, ...rest] = decideReservation(
    payment([line('A', 2), line('B', 1)]),
    {
      alreadyDecided: false,
      available: new Map([
        ['A', 2],
        ['B', 5],
      ]),
    },
    env,
  );
  expect(rest).toEqual([]);
  expect(event).toEqual({
    eventId: 'new-id',
    occurredAt: env.now,
    orderId: 'o-1',
    status: 'RESERVED',
    reservationId: 'new-id',
    shortLines: [],
    paymentId: 'p-1',
    amountMinor: 1000,
    currency: 'EUR',
    customer: { id: 'c-1', email: 'ada@example.com', name: null },
  });
});

test('one short SKU makes the whole order OUT_OF_STOCK, listing each short SKU with what was requested and available', () => {
  const [event] = decideReservation(
    payment([line('A', 1), line('B', 2), line('B', 2), line('C', 1)]),
    {
      alreadyDecided: false,
      available: new Map([
        ['A', 10],
        ['B', 3],
      ]),
    },
    env,
  );
  expect(event).toMatchObject({
    status: 'OUT_OF_STOCK',
    reservationId: null,
    shortLines: [
      { sku: 'B', requested: 4, available: 3 },
      { sku: 'C', requested: 1, available: 0 },
    ],
  });
});

test('an order decided before is not decided again', () => {
  expect(
    decideReservation(
      payment([line('A', 1)]),
      { alreadyDecided: true, available: new Map([['A', 10]]) },
      env,
    ),
  ).toEqual([]);
});

test('an order without lines or with a quantity below 1 is a permanent error naming the line', () => {
  expect(() => demandOf('o-1', [])).toThrow('order o-1 has no lines to reserve');
  expect(() => demandOf('o-1', [line('A', 1), line('B', 0)])).toThrow(
    'order o-1: lines[1].quantity is 0; it must be at least 1',
  );
});
