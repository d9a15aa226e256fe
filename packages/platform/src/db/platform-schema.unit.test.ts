// The platform's schema (prisma/platform: outbox and inbox, behind its own int tests) and every service's
// schema must agree on those tables: each service repeats the platform's models unchanged, and each
// service's init migration creates them with the platform's DDL.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const PRISMA = resolve(__dirname, '../../../../prisma');
const SERVICES = ['order', 'payment', 'inventory', 'notification'];
const SHARED = '// ---- shared by every service';

const read = (...parts: string[]): string => readFileSync(join(PRISMA, ...parts), 'utf8');
const sharedModels = (schema: string): string => schema.slice(schema.indexOf(SHARED));
const initSql = (name: string): string => {
  const init = readdirSync(join(PRISMA, name, 'migrations')).find((d) => d.endsWith('_init'));
  if (!init) throw new Error(`prisma/${name}/migrations has no *_init migration`);
  return read(name, 'migrations', init, 'migration.sql');
};
/** Each `-- <Step>` block of the platform's init migration (CreateTable outbox, CreateIndex ..., ...). */
const platformSteps = (): string[] =>
  initSql('platform')
    .split(/\n(?=-- )/)
    .map((s) => s.trim())
    .filter((s) => /"(outbox|inbox)"/.test(s));

describe('prisma/platform (the outbox and inbox every service has)', () => {
  it('holds exactly the shared models', () => {
    const platform = read('platform', 'schema.prisma');
    expect(platform).toContain(SHARED);
    expect([...platform.matchAll(/^model (\w+)/gm)].map((m) => m[1])).toEqual(['OutboxEvent', 'InboxEvent']);
    expect(platformSteps()).toHaveLength(4);
  });

  it.each(SERVICES)('%s repeats its models unchanged and creates them with its DDL', (service) => {
    expect(sharedModels(read(service, 'schema.prisma'))).toBe(
      sharedModels(read('platform', 'schema.prisma')),
    );
    const sql = initSql(service);
    for (const step of platformSteps()) expect(sql).toContain(step);
  });

  it.each(SERVICES)('%s has every later platform migration, unchanged and under the same name', (service) => {
    const later = readdirSync(join(PRISMA, 'platform', 'migrations')).filter(
      (d) => /^\d+_/.test(d) && !d.endsWith('_init'),
    );
    expect(later.length).toBeGreaterThan(0);
    for (const dir of later)
      expect(read(service, 'migrations', dir, 'migration.sql')).toBe(
        read('platform', 'migrations', dir, 'migration.sql'),
      );
  });
});
