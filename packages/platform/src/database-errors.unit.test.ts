import { isTransientDatabaseError, transientDatabaseReason } from './database-errors';
import { PoolQueueFullError } from './prisma';

const PROTOTYPE_NAMES = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])];

function named(name: string, fields: Record<string, unknown> = {}, message = 'boom'): Error {
  const err = new Error(message);
  err.name = name;
  return Object.assign(err, fields);
}

// node-postgres' DatabaseError: name 'error', the SQLSTATE in `code`.
const pgError = (code: string, message = 'database error') =>
  named('error', { code, severity: 'FATAL' }, message);

// What Prisma 7 throws through @prisma/adapter-pg (shapes copied from real errors).
const adapterError = (code: string, cause: Record<string, unknown>) =>
  named('PrismaClientKnownRequestError', {
    code,
    meta: { driverAdapterError: named('DriverAdapterError', { cause }) },
  });

describe('isTransientDatabaseError: outages and overload', () => {
  it.each([
    ['57P03 the database system is starting up', pgError('57P03', 'the database system is starting up')],
    ['57P01 admin shutdown', pgError('57P01', 'terminating connection due to administrator command')],
    ['57P02 crash shutdown', pgError('57P02')],
    ['08006 connection failure', pgError('08006')],
    ['08001 cannot establish a connection', pgError('08001')],
    ['53300 too many connections', pgError('53300')],
    ['40001 serialization failure', pgError('40001')],
    ['40P01 deadlock', pgError('40P01')],
    ['ECONNREFUSED', named('Error', { code: 'ECONNREFUSED', syscall: 'connect', errno: -111 })],
    ['ECONNRESET', named('Error', { code: 'ECONNRESET', syscall: 'read', errno: -104 })],
    ['ETIMEDOUT', named('Error', { code: 'ETIMEDOUT', syscall: 'connect', errno: -110 })],
    ['pg: Connection terminated unexpectedly', new Error('Connection terminated unexpectedly')],
    ['pg-pool: connect timeout', new Error('timeout exceeded when trying to connect')],
    ['shed by admit(): the pool queue is full', new PoolQueueFullError(64)],
    ['Prisma P1001', named('PrismaClientKnownRequestError', { code: 'P1001' })],
    ['Prisma P1002', named('PrismaClientKnownRequestError', { code: 'P1002' })],
    ['Prisma P1008', named('PrismaClientKnownRequestError', { code: 'P1008' })],
    ['Prisma P1017', named('PrismaClientKnownRequestError', { code: 'P1017' })],
    ['Prisma P2024', named('PrismaClientKnownRequestError', { code: 'P2024' })],
    ['Prisma P2028', named('PrismaClientKnownRequestError', { code: 'P2028' })],
    ['Prisma P2034', named('PrismaClientKnownRequestError', { code: 'P2034' })],
    ['Prisma initialization', named('PrismaClientInitializationError', { errorCode: 'P1001' })],
    [
      'Prisma adapter 57P03 (P2039)',
      adapterError('P2039', {
        originalCode: '57P03',
        originalMessage: 'the database system is starting up',
        kind: 'postgres',
        code: '57P03',
        severity: 'FATAL',
      }),
    ],
    [
      'Prisma adapter unreachable (P2010 raw query)',
      adapterError('P2010', { kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 5999 }),
    ],
    ['Prisma adapter connection closed', adapterError('P2010', { kind: 'ConnectionClosed' })],
    ['Prisma adapter too many connections', adapterError('P2037', { kind: 'TooManyConnections' })],
    ['an outage wrapped as a cause', new Error('saving the order failed', { cause: pgError('57P03') })],
  ])('%s', (_what, err) => {
    expect(isTransientDatabaseError(err)).toBe(true);
  });

  it('says why: unavailable, busy, or a conflict worth retrying', () => {
    expect(transientDatabaseReason(pgError('57P03'))).toBe('unavailable');
    expect(transientDatabaseReason(pgError('53300'))).toBe('busy');
    expect(transientDatabaseReason(pgError('40P01'))).toBe('conflict');
  });
});

describe('isTransientDatabaseError: bugs and bad requests are not retried', () => {
  it.each([
    ['unique violation 23505', pgError('23505')],
    ['syntax error 42601', pgError('42601')],
    ['undefined table 42P01', pgError('42P01')],
    ['Prisma P2002 unique', named('PrismaClientKnownRequestError', { code: 'P2002' })],
    ['Prisma P2025 not found', named('PrismaClientKnownRequestError', { code: 'P2025' })],
    [
      'Prisma adapter unique violation',
      adapterError('P2002', { kind: 'UniqueConstraintViolation', originalCode: '23505' }),
    ],
    ['a TypeError', new TypeError('x is undefined')],
    ['a bare string', 'P2024'],
    ['null', null],
    ['undefined', undefined],
  ])('%s', (_what, err) => {
    expect(isTransientDatabaseError(err)).toBe(false);
  });

  it('reads no inherited property: codes, kinds and names from Object.prototype are not transient', () => {
    for (const name of PROTOTYPE_NAMES) {
      const fields = Object.create(null) as Record<string, unknown>;
      Object.defineProperty(fields, 'code', { value: name, enumerable: true });
      expect(isTransientDatabaseError(named('PrismaClientKnownRequestError', fields))).toBe(false);
      expect(isTransientDatabaseError(pgError(name))).toBe(false);
      expect(isTransientDatabaseError(adapterError('P2010', { kind: name, originalCode: name }))).toBe(false);
      expect(isTransientDatabaseError(new Error(name))).toBe(false);
    }
  });

  it('stops on a cause cycle', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b });
    expect(isTransientDatabaseError(a)).toBe(false);
  });
});
