import { CodecError, RegistryError } from '@orderflow/codec';
import { KafkaJSNumberOfRetriesExceeded, KafkaJSConnectionError } from 'kafkajs';
import { KafkaJSProtocolError } from 'kafkajs';
import { PermanentEventError } from './errors';
import { classifyFailure, isFatalProducerError, TransientFailure } from './failures';

// kafkajs's typings take only a message; at run time the error carries the broker's type and retriable flag.
function protocolError(p: { message: string; type: string; code: number; retriable: boolean }): Error {
  return new KafkaJSProtocolError(p as unknown as Error);
}

const withCode = (message: string, code: string, name = 'Error'): Error =>
  Object.assign(new Error(message), { code, name });

describe('classifyFailure', () => {
  test.each([
    ['bad framing', new CodecError('BAD_FRAMING', 'no magic byte')],
    ['undecodable data', new CodecError('INVALID_DATA', 'array block count 4294967295 > 90 bytes left')],
    ['an invalid event', new PermanentEventError('INVALID_EVENT', 'orderId: expected uuid')],
    ['a unique violation (SQLSTATE 23505)', withCode('duplicate key value', '23505')],
    ['a data exception (SQLSTATE 22003)', withCode('numeric field overflow', '22003')],
    [
      'a Prisma foreign-key violation',
      withCode('Foreign key constraint failed', 'P2003', 'PrismaClientKnownRequestError'),
    ],
  ])('%s is permanent: dead-lettered at once', (_name, err) => {
    expect(classifyFailure(err)).toBe('permanent');
  });

  test.each([
    ['PostgreSQL starting up (57P03)', withCode('the database system is starting up', '57P03')],
    ['admin shutdown (57P01)', withCode('terminating connection due to administrator command', '57P01')],
    ['a serialization failure (40001)', withCode('could not serialize access', '40001')],
    ['a deadlock (40P01)', withCode('deadlock detected', '40P01')],
    ['a statement timeout (57014)', withCode('canceling statement due to statement timeout', '57014')],
    ['a connection refused', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['pg losing its connection', new Error('Connection terminated unexpectedly')],
    ['a pool timeout', new Error('timeout exceeded when trying to connect')],
    ['Prisma P1001', withCode("Can't reach database server", 'P1001', 'PrismaClientKnownRequestError')],
    [
      'Prisma P2024',
      withCode('Timed out fetching a new connection', 'P2024', 'PrismaClientKnownRequestError'),
    ],
    [
      'Prisma P2028 (expired transaction)',
      withCode('Transaction already closed', 'P2028', 'PrismaClientKnownRequestError'),
    ],
    ['the registry unreachable', new RegistryError('UNAVAILABLE', 'connection refused')],
    [
      'the registry misconfigured',
      new RegistryError('MISCONFIGURED', 'answers 404 without a registry error code'),
    ],
    ['a broker outage', new KafkaJSConnectionError('Connection error: connect ECONNREFUSED')],
    [
      'kafkajs giving up retrying',
      new KafkaJSNumberOfRetriesExceeded(new Error('leader not available'), {
        retryCount: 5,
        retryTime: 3000,
      }),
    ],
    [
      'a retriable protocol error',
      protocolError({ message: 'x', type: 'NOT_ENOUGH_REPLICAS', code: 19, retriable: true }),
    ],
    ['Redis timing out', new Error('Command timed out')],
    [
      'a webhook answering 503',
      Object.assign(new Error('webhook http://h answered 503'), {
        name: 'WebhookDeliveryError',
        code: 'HTTP_STATUS',
      }),
    ],
    [
      'an unreachable webhook',
      Object.assign(new Error('webhook unreachable'), { name: 'WebhookDeliveryError', code: 'UNREACHABLE' }),
    ],
    ['a caller-marked outage', new TransientFailure('payment provider down')],
    [
      'an outage wrapped as the cause of a handler error',
      new Error('charging failed', { cause: withCode('x', 'ECONNRESET') }),
    ],
    [
      'fetch failing to connect',
      new TypeError('fetch failed', { cause: withCode('connect ECONNREFUSED', 'ECONNREFUSED') }),
    ],
  ])('%s is transient: retried for as long as it takes', (_name, err) => {
    expect(classifyFailure(err)).toBe('transient');
  });

  test.each([
    ['a TypeError from a handler bug', new TypeError('token.startsWith is not a function')],
    ['a plain Error', new Error('something odd')],
    ['a thrown string', 'a string'],
    ['undefined', undefined],
    ['a schema id the registry does not know (yet)', new CodecError('UNKNOWN_SCHEMA_ID', 'id 999')],
    [
      'a webhook answering 404',
      Object.assign(new Error('webhook http://h answered 404'), {
        name: 'WebhookDeliveryError',
        code: 'HTTP_STATUS',
      }),
    ],
  ])('%s is bounded: retried a few times, then dead-lettered', (_name, err) => {
    expect(classifyFailure(err)).toBe('bounded');
  });
});

describe('isFatalProducerError', () => {
  test.each([
    'OUT_OF_ORDER_SEQUENCE_NUMBER',
    'UNKNOWN_PRODUCER_ID',
    'INVALID_PRODUCER_EPOCH',
    'PRODUCER_FENCED',
  ])('%s (also when wrapped by kafkajs retries) means the producer must be recreated', (type) => {
    const err = protocolError({ message: type, type, code: 45, retriable: false });
    expect(isFatalProducerError(err)).toBe(true);
    expect(
      isFatalProducerError(new KafkaJSNumberOfRetriesExceeded(err, { retryCount: 5, retryTime: 3000 })),
    ).toBe(true);
  });

  test('an ordinary outage does not', () => {
    expect(isFatalProducerError(new KafkaJSConnectionError('Connection error'))).toBe(false);
    expect(isFatalProducerError(new Error('leader not available'))).toBe(false);
  });
});
