import { startFakeRegistry, type FakeRegistry } from '@orderflow/codec/testing';
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

  it('registers every subject of the topic table at the root URL', async () => {
    const lines: string[] = [];
    await expect(registerCommand(['--registry', registry.url], (l) => lines.push(l))).resolves.toBe(0);
    expect(lines.filter((l) => l.includes('(registered;')).map((l) => l.split(' ')[0])).toEqual(subjects);
    expect(registry.requests.filter((r) => r.path.startsWith('/apis/'))).toEqual([]);
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
