import type { KafkaMessage } from 'kafkajs';
import { loadConfig, platformSettings } from './config';
import { DltHeaders, deadLetterHeaders } from './dead-letter';
import { PermanentEventError } from './errors';
import { createLogger } from './logger';
import { REDACTED, maskPersonalText } from './personal-data';

const EMAIL = 'ada.lovelace+orders@example.com';
const NAME = 'Ada Lovelace';

/** A logger whose JSON lines land in the returned array. */
function captured(personalData?: boolean): { log: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const log = createLogger({
    service: 'personal-data-test',
    level: 'debug',
    destination: { write: (line: string) => void lines.push(line) },
    ...(personalData === undefined ? {} : { personalData }),
  });
  return { log, lines };
}

/** Everything a customer's email or name could be logged under, the way services log it. */
function logEverything(log: ReturnType<typeof createLogger>): void {
  const event = { orderId: 'o-1', customer: { id: 'cust-1', email: EMAIL, name: NAME } };
  log.info({ customer: event.customer }, 'customer');
  log.info({ event }, 'decoded event');
  log.info({ email: EMAIL, customerEmail: EMAIL, customerName: NAME, recipient: EMAIL }, 'flat fields');
  log.info({ orderId: 'o-1', to: EMAIL, text: `Hello ${NAME}, your order is confirmed.` }, 'a notice');
  log.child({ orderId: 'o-1' }).info({ row: { customerEmail: EMAIL, customerName: NAME } }, 'row');
  log.error(
    {
      err: new PermanentEventError(
        'INVALID_EVENT',
        `order_created: customer.name: expected int, got "${NAME}"`,
      ),
    },
    'dead-lettering',
  );
  const pgLike = Object.assign(new Error(`duplicate key value violates unique constraint for ${EMAIL}`), {
    detail: `Key (customer_email)=(${EMAIL}) already exists.`,
  });
  log.warn({ err: new Error('transaction failed', { cause: pgLike }) }, 'retrying');
  log.info(`notice sent to ${EMAIL}`);
}

describe('the logger', () => {
  test('censors customers’ email addresses and names by default (fields, nested events, errors, messages)', () => {
    const { log, lines } = captured();
    logEverything(log);
    const out = lines.join('');
    expect(out).not.toContain(EMAIL);
    expect(out).not.toContain('ada.lovelace');
    expect(out).not.toContain(NAME);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed[0]).toMatchObject({ customer: { id: 'cust-1', email: REDACTED, name: REDACTED } });
    expect(parsed[1]).toMatchObject({
      event: { orderId: 'o-1', customer: { email: REDACTED, name: REDACTED } },
    });
    expect(parsed[3]).toMatchObject({ orderId: 'o-1', to: REDACTED, text: REDACTED, msg: 'a notice' });
    // What is not personal stays readable: the error's type and code, ids, the message around the address.
    expect(parsed[5]).toMatchObject({
      err: {
        type: 'PermanentEventError',
        code: 'INVALID_EVENT',
        message: expect.stringContaining('customer.name') as unknown,
      },
    });
    expect(parsed[7]).toMatchObject({ msg: `notice sent to ${REDACTED}` });
  });

  test('shows them with the switch (LOG_PERSONAL_DATA=true)', () => {
    const { log, lines } = captured(true);
    logEverything(log);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed[0]).toMatchObject({ customer: { email: EMAIL, name: NAME } });
    expect(parsed[3]).toMatchObject({ to: EMAIL, text: expect.stringContaining(NAME) as unknown });
    expect(parsed[7]).toMatchObject({ msg: `notice sent to ${EMAIL}` });
  });

  test('LOG_PERSONAL_DATA is off unless set', () => {
    expect(loadConfig(platformSettings('order', 8001), {}).logPersonalData).toBe(false);
    expect(loadConfig(platformSettings('order', 8001), { LOG_PERSONAL_DATA: 'true' }).logPersonalData).toBe(
      true,
    );
  });
});

describe('maskPersonalText', () => {
  test.each([
    [`sent to ${EMAIL} at noon`, `sent to ${REDACTED} at noon`],
    [`customer.email: expected string, got "${EMAIL}"`, `customer.email: expected string, got "${REDACTED}"`],
    [
      `customer.name: expected int, got "${NAME}"; lines[0].sku: …`,
      `customer.name: expected int, got "${REDACTED}"; lines[0].sku: …`,
    ],
  ])('%s', (text, masked) => expect(maskPersonalText(text)).toBe(masked));

  test.each([
    'connect ECONNREFUSED postgresql://postgres@127.0.0.1:5432/orderflow_order',
    'at run (/app/node_modules/@orderflow/platform/src/consumer.ts:10:3)',
    'customer.email: expected string, got 42',
  ])('leaves %s alone', (text) => expect(maskPersonalText(text)).toBe(text));
});

test('a dead letter’s error header never quotes an email address or a customer’s name', () => {
  const message = { offset: '7', headers: { 'correlation-id': 'c-1' } } as unknown as KafkaMessage;
  const headers = deadLetterHeaders(message, {
    topic: 'order_created',
    partition: 0,
    groupId: 'payment',
    error: new Error(
      `invalid order_created event: customer.name: expected int, got "${NAME}" (for ${EMAIL})`,
    ),
    errorClass: 'permanent',
    attempts: 1,
  });
  const text = String(headers[DltHeaders.errorMessage]);
  expect(text).not.toContain(EMAIL);
  expect(text).not.toContain(NAME);
  expect(text).toContain('invalid order_created event: customer.name');
  expect(headers['correlation-id']).toBe('c-1');
});
