import { parsePgLsClusters, quoteIdent } from './machine';

test('parsePgLsClusters reads version, name, port, state, data dir and log', () => {
  const out = `Ver Cluster Port Status Owner    Data directory              Log file
15  main    5432 online postgres /var/lib/postgresql/15/main /var/log/postgresql/postgresql-15-main.log
16  test    5433 down   postgres /var/lib/postgresql/16/test /var/log/postgresql/postgresql-16-test.log
`;
  expect(parsePgLsClusters(out)).toEqual([
    {
      version: '15',
      name: 'main',
      port: 5432,
      online: true,
      dataDir: '/var/lib/postgresql/15/main',
      logFile: '/var/log/postgresql/postgresql-15-main.log',
    },
    {
      version: '16',
      name: 'test',
      port: 5433,
      online: false,
      dataDir: '/var/lib/postgresql/16/test',
      logFile: '/var/log/postgresql/postgresql-16-test.log',
    },
  ]);
});

test('quoteIdent doubles embedded quotes', () => {
  expect(quoteIdent('orderflow_order')).toBe('"orderflow_order"');
  expect(quoteIdent('a"b')).toBe('"a""b"');
});
