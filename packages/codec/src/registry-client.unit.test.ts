import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CodecError,
  RegistryError,
  SchemaRegistryClient,
  isRetriable,
  verifyRegistry,
} from '@orderflow/codec';
import { startFakeRegistry } from '@orderflow/codec/testing';
import type { FakeRegistry } from '@orderflow/codec/testing';

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

/** A web server that is not a schema registry: every path answers `status` with `body`. */
async function notARegistry(
  status: number,
  body: string,
  contentType: string,
): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(status, { 'Content-Type': contentType });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('a URL that is not a schema registry', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
  });
  const start = async (status: number, body: string, type = 'application/json') => {
    const { url, server } = await notARegistry(status, body, type);
    servers.push(server);
    return url;
  };
  // What Apicurio answers for a path outside its ccompat API (e.g. the Confluent-style root).
  const RESTEASY_404 = JSON.stringify({
    detail: 'NotFoundException: RESTEASY003210: Could not find resource for full path',
    status: 404,
    name: 'NotFoundException',
  });

  it('is MISCONFIGURED, not "not found", when a 404 carries no registry error_code', async () => {
    const client = new SchemaRegistryClient({ url: await start(404, RESTEASY_404) });
    const err = await client.getSchemaById(7).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err).toMatchObject({ code: 'MISCONFIGURED', status: 404, classification: 'transient' });
    expect((err as Error).message).toContain('does not look like a schema registry');
    expect((err as Error).message).toContain('SCHEMA_REGISTRY_URL');
    expect((err as Error).message).toContain('/apis/ccompat/v7');
    // The calls that used to treat any 404 as "nothing registered" now refuse instead.
    await expect(client.listVersions('a-value')).rejects.toMatchObject({ code: 'MISCONFIGURED' });
    await expect(client.lookup('a-value', SCHEMA)).rejects.toMatchObject({ code: 'MISCONFIGURED' });
    await expect(client.getCompatibility('a-value')).rejects.toMatchObject({ code: 'MISCONFIGURED' });
  });

  it('is MISCONFIGURED when it answers HTML', async () => {
    const client = new SchemaRegistryClient({
      url: await start(200, '<!DOCTYPE html><title>Apicurio Registry APIs</title>', 'text/html'),
    });
    await expect(client.listSubjects()).rejects.toMatchObject({ code: 'MISCONFIGURED', status: 200 });
  });

  it('keeps NOT_FOUND for a registry 404 that carries its error_code', async () => {
    const fake = await startFakeRegistry();
    try {
      const err = await new SchemaRegistryClient({ url: fake.url }).getSchemaById(5).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'NOT_FOUND', registryCode: 40403 });
    } finally {
      await fake.close();
    }
  });

  it('verifyRegistry resolves for a registry and throws MISCONFIGURED or UNAVAILABLE otherwise', async () => {
    const fake = await startFakeRegistry();
    const fakeUrl = fake.url;
    try {
      await expect(verifyRegistry(fakeUrl)).resolves.toBeUndefined();
      await expect(new SchemaRegistryClient({ url: fakeUrl }).probe()).resolves.toBeUndefined();
    } finally {
      await fake.close();
    }
    await expect(verifyRegistry(await start(404, RESTEASY_404))).rejects.toMatchObject({
      code: 'MISCONFIGURED',
      request: 'GET /config',
    });
    await expect(verifyRegistry(await start(404, ''))).rejects.toMatchObject({ code: 'MISCONFIGURED' });
    await expect(verifyRegistry(await start(200, '{"hello":"world"}'))).rejects.toMatchObject({
      code: 'MISCONFIGURED',
    });
    await expect(verifyRegistry(await start(200, '<html></html>', 'text/html'))).rejects.toMatchObject({
      code: 'MISCONFIGURED',
    });
    const down = await verifyRegistry(fakeUrl).catch((e: unknown) => e);
    expect(down).toMatchObject({ code: 'UNAVAILABLE', classification: 'transient' });
  });
});

describe('classification hints', () => {
  it('are on every error, readable without importing the classes', () => {
    const hint = (e: Error) => (e as unknown as { classification: unknown }).classification;
    for (const code of ['BAD_FRAMING', 'INVALID_DATA', 'TOO_LARGE', 'SCHEMA_MISMATCH'] as const)
      expect(hint(new CodecError(code, 'x'))).toBe('permanent');
    expect(hint(new CodecError('UNKNOWN_SCHEMA_ID', 'x'))).toBe('bounded');
    for (const code of ['UNAVAILABLE', 'MISCONFIGURED', 'NOT_FOUND', 'HTTP'] as const)
      expect(hint(new RegistryError(code, 'x'))).toBe('transient');
    for (const code of ['INCOMPATIBLE', 'INVALID_SCHEMA'] as const)
      expect(hint(new RegistryError(code, 'x'))).toBe('permanent');
  });
});
