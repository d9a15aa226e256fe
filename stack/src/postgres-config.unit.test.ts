import { addressOf, loadConfig, registryDatabaseTarget } from './config';
import { StackError } from './errors';

// ORDERFLOW_POSTGRES_URL moves the stack's PostgreSQL (the databases it creates, the registry's
// storage) to the same server the services and `npm run db` then use.

test('by default the machine server on 5432, user postgres, trust authentication', () => {
  const config = loadConfig({});
  expect(config.postgresUrl).toBe('postgresql://postgres@127.0.0.1:5432/postgres');
  expect(addressOf(config, 'postgres')).toBe('postgresql://postgres@127.0.0.1:5432');
  expect(registryDatabaseTarget(config)).toEqual({
    jdbcUrl: 'jdbc:postgresql://127.0.0.1:5432/orderflow_registry',
    username: 'postgres',
    password: '',
  });
});

test('ORDERFLOW_POSTGRES_URL names the server, its user and password; the registry connects with them', () => {
  const config = loadConfig({ ORDERFLOW_POSTGRES_URL: 'postgresql://app:pw@db.example:6543' });
  expect(config.ports.postgres).toBe(6543);
  expect(config.postgresUrl).toBe('postgresql://app:pw@db.example:6543/postgres');
  expect(registryDatabaseTarget(config)).toEqual({
    jdbcUrl: 'jdbc:postgresql://db.example:6543/orderflow_registry',
    username: 'app',
    password: 'pw',
  });
});

test('ORDERFLOW_STACK_PORTS postgres= still moves the port (of that server)', () => {
  const config = loadConfig({ ORDERFLOW_STACK_PORTS: 'postgres=5440' });
  expect(config.postgresUrl).toBe('postgresql://postgres@127.0.0.1:5440/postgres');
  expect(addressOf(config, 'postgres')).toBe('postgresql://postgres@127.0.0.1:5440');
});

test('a malformed ORDERFLOW_POSTGRES_URL stops the stack with a message naming it', () => {
  expect(() => loadConfig({ ORDERFLOW_POSTGRES_URL: 'postgresql://u@db/orders' })).toThrow(StackError);
  expect(() => loadConfig({ ORDERFLOW_POSTGRES_URL: 'postgresql://u@db/orders' })).toThrow(
    /ORDERFLOW_POSTGRES_URL=.*names a database/,
  );
});
