import { RegistryError, SchemaRegistryClient, isRetriable, startFakeRegistry } from '@orderflow/codec';
import type { FakeRegistry } from '@orderflow/codec';

const SCHEMA = '{"name":"A","type":"record","fields":[{"name":"a","type":"int"}]}';

describe('SchemaRegistryClient (fake registry)', () => {
  let fake: FakeRegistry;
  beforeEach(async () => {
    fake = await startFakeRegistry({ firstId: 41 });
  });
  afterEach(() => fake.close());

  it('caches a schema by id: the second read makes no HTTP call', async () => {
    const id = fake.add('a-value', SCHEMA);
    const client = new SchemaRegistryClient({ url: fake.url });
    expect(await client.getSchemaById(id)).toBe(SCHEMA);
    expect(await client.getSchemaById(id)).toBe(SCHEMA);
    expect(fake.requests).toEqual([{ method: 'GET', path: `/schemas/ids/${id}` }]);
    expect(client.requestCount).toBe(1);
  });

  it('shares one HTTP call between concurrent identical reads', async () => {
    const id = fake.add('a-value', SCHEMA);
    fake.setDelay(30);
    const client = new SchemaRegistryClient({ url: fake.url });
    const all = await Promise.all(Array.from({ length: 20 }, () => client.getSchemaById(id)));
    expect(new Set(all)).toEqual(new Set([SCHEMA]));
    expect(fake.requests).toHaveLength(1);
  });

  it('registers, then looks up from cache without calling again', async () => {
    const client = new SchemaRegistryClient({ url: fake.url });
    const id = await client.register('a-value', SCHEMA);
    expect(id).toBe(41);
    expect(await client.register('a-value', SCHEMA)).toBe(41);
    expect(await client.getSchemaById(41)).toBe(SCHEMA);
    expect(fake.requests).toHaveLength(1);
    expect(await client.lookup('a-value', SCHEMA)).toEqual({ id: 41, version: 1 });
    expect(await client.lookup('a-value', SCHEMA)).toEqual({ id: 41, version: 1 });
    expect(fake.requests).toHaveLength(2);
  });

  it('answers undefined for a schema not registered under the subject, and for an unknown subject', async () => {
    fake.add('a-value', SCHEMA);
    const client = new SchemaRegistryClient({ url: fake.url });
    expect(await client.lookup('a-value', '"string"')).toBeUndefined();
    expect(await client.lookup('nope-value', SCHEMA)).toBeUndefined();
  });

  it('classifies an unknown id as NOT_FOUND (not retriable) with the request in the message', async () => {
    const client = new SchemaRegistryClient({ url: fake.url });
    const err = await client.getSchemaById(999).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err).toMatchObject({ code: 'NOT_FOUND', status: 404, registryCode: 40403 });
    expect((err as Error).message).toContain('GET /schemas/ids/999');
    expect(isRetriable(err)).toBe(false);
  });

  it('classifies 5xx as UNAVAILABLE (retriable) and does not cache the failure', async () => {
    const id = fake.add('a-value', SCHEMA);
    const client = new SchemaRegistryClient({ url: fake.url });
    fake.failNext(503);
    const err = await client.getSchemaById(id).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', status: 503 });
    expect(isRetriable(err)).toBe(true);
    expect(await client.getSchemaById(id)).toBe(SCHEMA);
  });

  it('turns a refused connection and a timeout into UNAVAILABLE', async () => {
    const url = fake.url;
    fake.setDelay(500);
    const slow = new SchemaRegistryClient({ url, timeoutMs: 50 });
    const timedOut = await slow.listSubjects().catch((e: unknown) => e);
    expect(timedOut).toMatchObject({ code: 'UNAVAILABLE' });
    expect((timedOut as Error).message).toMatch(/timed out after 50 ms/);
    await fake.close();
    const refused = await new SchemaRegistryClient({ url }).listSubjects().catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'UNAVAILABLE' });
    fake = await startFakeRegistry();
  });

  it('reports every HTTP call to onRequest', async () => {
    const events: string[] = [];
    const client = new SchemaRegistryClient({
      url: fake.url,
      onRequest: (e) => events.push(`${e.method} ${e.path} ${e.status ?? '-'}`),
    });
    await client.setCompatibility('a-value', 'FULL_TRANSITIVE');
    expect(await client.getCompatibility('a-value')).toBe('FULL_TRANSITIVE');
    expect(await client.getCompatibility('b-value')).toBeUndefined();
    expect(await client.listVersions('b-value')).toEqual([]);
    expect(events).toEqual([
      'PUT /config/a-value 200',
      'GET /config/a-value 200',
      'GET /config/b-value 404',
      'GET /subjects/b-value/versions 404',
    ]);
  });

  it('rejects a base URL that is not http(s)', () => {
    expect(() => new SchemaRegistryClient({ url: 'localhost:8081' })).toThrow(/must start with http/);
  });
});
