// Each service's prisma.config.ts points Prisma's CLI at that service's schema, migrations and
// database URL, by the same rule as `npm run db -- migrate <service>`.
import fs from 'node:fs';
import path from 'node:path';
import { databaseUrl } from './prisma-config';

const SERVICES = ['order', 'payment', 'inventory', 'notification'];

test.each(SERVICES)(
  'prisma/%s/prisma.config.ts names its schema, migrations and database',
  async (service) => {
    const saved = { ...process.env };
    process.env[`${service.toUpperCase()}_DATABASE_URL`] = `postgresql://u@db:5432/${service}_from_env`;
    try {
      const { default: config } = (await import(path.join(__dirname, '..', service, 'prisma.config.ts'))) as {
        default: { schema?: string; migrations?: { path?: string }; datasource?: { url?: string } };
      };
      expect(config.schema).toBe(path.join(__dirname, '..', service, 'schema.prisma'));
      expect(fs.existsSync(config.schema!)).toBe(true);
      expect(fs.existsSync(path.join(config.migrations!.path!, 'migration_lock.toml'))).toBe(true);
      expect(config.datasource?.url).toBe(`postgresql://u@db:5432/${service}_from_env`);
    } finally {
      process.env = saved;
    }
  },
);

test('the URL rule: <SERVICE>_DATABASE_URL, then DATABASE_URL, then the local database', () => {
  expect(
    databaseUrl('order', { ORDER_DATABASE_URL: 'postgresql://a/x', DATABASE_URL: 'postgresql://b/y' }),
  ).toBe('postgresql://a/x');
  expect(databaseUrl('order', { DATABASE_URL: 'postgresql://b/y' })).toBe('postgresql://b/y');
  expect(databaseUrl('payment', {})).toBe('postgresql://postgres@127.0.0.1:5432/orderflow_payment');
});
