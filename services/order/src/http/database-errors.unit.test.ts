import { isTransientDatabaseError } from './database-errors';

function prismaError(name: string, code?: string): Error {
  const err = new Error('boom');
  err.name = name;
  if (code !== undefined) Object.assign(err, { code });
  return err;
}

describe('database errors a client should retry', () => {
  it('are pool timeouts and lost connections', () => {
    expect(isTransientDatabaseError(prismaError('PrismaClientKnownRequestError', 'P2028'))).toBe(true);
    expect(isTransientDatabaseError(prismaError('PrismaClientKnownRequestError', 'P1001'))).toBe(true);
    expect(isTransientDatabaseError(prismaError('PrismaClientInitializationError'))).toBe(true);
  });

  it('are not constraint violations or other bugs', () => {
    expect(isTransientDatabaseError(prismaError('PrismaClientKnownRequestError', 'P2002'))).toBe(false);
    expect(isTransientDatabaseError(new TypeError('x is undefined'))).toBe(false);
    expect(isTransientDatabaseError('P2028')).toBe(false);
  });
});
