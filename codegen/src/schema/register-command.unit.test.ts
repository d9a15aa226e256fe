import { SchemaRegistryClient } from '@orderflow/codec';
import { startFakeRegistry, type FakeRegistry } from '@orderflow/codec/testing';
import { orderCreated } from '@orderflow/contracts';
import { registerCommand } from './register-command';
import { findRoot, loadTopicTable } from './inputs';

// Against docker-compose.yml's registry (Confluent's, API at its root) the host tools need
// SCHEMA_REGISTRY_URL=http://localhost:8081; their default is the local stack's Apicurio path. The fake
// registry answers like Confluent's: its API at the root, `{"error_code":404}` for any other path.
describe('schema register against a registry serving the Confluent API at its root', () => {
  let registry: FakeRegistry;
  beforeEach(async () => {
    registry = await startFakeRegistry();
  });
  afterEach(() => registry.close());
  const subjects = loadTopicTable(findRoot()).map((e) => e.subject);
  const sharedSubjects = ['dev.orderflow.events.Customer', 'dev.orderflow.events.OrderLine'];

  it('registers every shared type, then every subject of the topic table naming them, at the root URL', async () => {
    const lines: string[] = [];
    await expect(registerCommand(['--registry', registry.url], (l) => lines.push(l))).resolves.toBe(0);
    // Shared types first: a schema's references must exist before it is registered.
    expect(lines.filter((l) => l.includes('(registered;')).map((l) => l.split(' ')[0])).toEqual([
      ...sharedSubjects,
      ...subjects,
    ]);
    expect(lines.find((l) => l.startsWith('order_created-value '))).toMatch(
      /\(registered; FULL_TRANSITIVE; references dev\.orderflow\.events\.Customer v1, dev\.orderflow\.events\.OrderLine v1\)$/,
    );
    expect(lines.find((l) => l.startsWith('notification_sent-value '))).toMatch(
      /\(registered; FULL_TRANSITIVE\)$/,
    );
    expect(registry.requests.filter((r) => r.path.startsWith('/apis/'))).toEqual([]);
    // What a consumer reads back by id names the shared types, and resolves to the topic's schema.
    const client = new SchemaRegistryClient({ url: registry.url });
    const id = Number(/id (\d+)/.exec(lines.find((l) => l.startsWith('order_created-value '))!)![1]);
    expect(
      (await client.getRegisteredById(id)).references.map((r) => `${r.name} ${r.subject} ${r.version}`),
    ).toEqual([
      'dev.orderflow.events.Customer dev.orderflow.events.Customer 1',
      'dev.orderflow.events.OrderLine dev.orderflow.events.OrderLine 1',
    ]);
    expect(JSON.parse(await client.resolvedSchemaById(id))).toEqual(orderCreated.schema);
    // Again: everything is found, nothing registered twice.
    const again: string[] = [];
    await registerCommand(['--registry', registry.url], (l) => again.push(l));
    expect(again.filter((l) => l.includes('(already registered;'))).toHaveLength(
      sharedSubjects.length + subjects.length,
    );
  });

  it('refuses the Apicurio path with a message naming SCHEMA_REGISTRY_URL and the root, not a bare 404', async () => {
    const err = await registerCommand(['--registry', `${registry.url}/apis/ccompat/v7`], () => {}).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/does not look like a schema registry/);
    expect((err as Error).message).toMatch(/SCHEMA_REGISTRY_URL.*Confluent Schema Registry at its root/);
    // Nothing was registered under the wrong path.
    expect(registry.requests.map((r) => r.method)).toEqual(['PUT']);
  });
});
