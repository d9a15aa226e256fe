import { loadConfig, platformSettings } from './config';
import {
  DEFAULT_POSTGRES_SERVER_URL,
  postgresDatabaseUrl,
  postgresServer,
  serviceDatabaseUrl,
} from './postgres-server';

describe('ORDERFLOW_POSTGRES_URL', () => {
  it('defaults to the machine server with trust authentication', () => {
    expect(postgresServer({})).toEqual({
      url: DEFAULT_POSTGRES_SERVER_URL,
      host: '127.0.0.1',
      port: 5432,
      user: 'postgres',
      password: '',
    });
    expect(serviceDatabaseUrl('payment', {})).toBe('postgresql://postgres@127.0.0.1:5432/orderflow_payment');
  });

  it('moves every database to the server it names, with its credentials and parameters', () => {
    const env = { ORDERFLOW_POSTGRES_URL: 'postgresql://app:p%40ss@db.example:6543/?sslmode=require' };
    expect(postgresServer(env)).toMatchObject({
      host: 'db.example',
      port: 6543,
      user: 'app',
      password: 'p@ss',
    });
    expect(serviceDatabaseUrl('order', env)).toBe(
      'postgresql://app:p%40ss@db.example:6543/orderflow_order?sslmode=require',
    );
    expect(postgresDatabaseUrl('postgres', { ORDERFLOW_POSTGRES_URL: 'postgres://[::1]' })).toBe(
      'postgres://postgres@[::1]/postgres',
    );
    expect(postgresServer({ ORDERFLOW_POSTGRES_URL: 'postgres://[::1]' })).toMatchObject({
      host: '::1',
      port: 5432,
    });
  });

  it.each([
    ['not a URL', 'db example', /not an absolute URL/],
    ['another protocol', 'mysql://root@db', /protocol mysql: is not postgresql:/],
    ['a database in the path', 'postgresql://u@db/orders', /names a database \(orders\)/],
  ])('refuses %s, naming the variable and what to set', (_what, value, why) => {
    expect(() => postgresServer({ ORDERFLOW_POSTGRES_URL: value })).toThrow(why);
    expect(() => postgresServer({ ORDERFLOW_POSTGRES_URL: value })).toThrow(
      /^ORDERFLOW_POSTGRES_URL=.*set it to the server only/,
    );
  });

  it('never repeats the password in its message', () => {
    expect(() => postgresServer({ ORDERFLOW_POSTGRES_URL: 'postgresql://u:hunter2@db/x' })).toThrow(
      /postgresql:\/\/u:\*\*\*@db\/x/,
    );
    expect(() => postgresServer({ ORDERFLOW_POSTGRES_URL: 'postgresql://u:hunter2@db/x' })).not.toThrow(
      /hunter2/,
    );
  });

  it("is a service's DATABASE_URL default; DATABASE_URL still wins", () => {
    const settings = platformSettings('inventory', 8003);
    const env = { ORDERFLOW_POSTGRES_URL: 'postgresql://app@db.example:6543' };
    expect(loadConfig(settings, env).databaseUrl).toBe(
      'postgresql://app@db.example:6543/orderflow_inventory',
    );
    expect(loadConfig(settings, { ...env, DATABASE_URL: 'postgresql://x@y/z' }).databaseUrl).toBe(
      'postgresql://x@y/z',
    );
    expect(() => loadConfig(settings, { ORDERFLOW_POSTGRES_URL: 'postgresql://u@db/orders' })).toThrow(
      /ORDERFLOW_POSTGRES_URL=.*names a database/,
    );
  });
});
