// The local stack is reachable from this machine only: every listening socket of every JVM it starts is
// bound to 127.0.0.1, and nothing it starts opens a port of its own choosing (ZooKeeper's AdminServer,
// Quarkus' management interface on 0.0.0.0:9000). README "Security" cites this test.
import { jvmComponents, loadConfig, withBrokers } from './config';
import { launchSpec } from './jvm';

const config = withBrokers(loadConfig({ ORDERFLOW_STACK_DIR: '/tmp/of-loopback' }), 3);

/** The properties of every generated file of a component, as key → value. */
function properties(component: Parameters<typeof launchSpec>[1]): Map<string, string> {
  const spec = launchSpec(config, component, { kind: 'memory' });
  const entries = Object.values(spec.files)
    .flatMap((text) => text.split('\n'))
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line): [string, string] => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1)];
    });
  return new Map(entries);
}

describe('the local stack binds to 127.0.0.1 only', () => {
  test('ZooKeeper: client port on 127.0.0.1, no AdminServer (it would listen on 0.0.0.0:8080)', () => {
    const zoo = properties('zookeeper');
    expect(zoo.get('clientPortAddress')).toBe('127.0.0.1');
    expect(zoo.get('admin.enableServer')).toBe('false');
    expect(zoo.has('secureClientPort')).toBe(false);
    expect(launchSpec(config, 'zookeeper').args).toContain('-Dzookeeper.admin.enableServer=false');
  });

  test.each(jvmComponents(config).filter((c) => c.startsWith('kafka')))(
    '%s: every listener on 127.0.0.1, advertised as localhost',
    (broker) => {
      const props = properties(broker);
      const listeners = (props.get('listeners') ?? '').split(',');
      expect(listeners.length).toBeGreaterThan(0);
      for (const listener of listeners) expect(listener).toMatch(/^[A-Z_]+:\/\/127\.0\.0\.1:\d+$/);
      for (const advertised of (props.get('advertised.listeners') ?? '').split(','))
        expect(advertised).toMatch(/^[A-Z_]+:\/\/(localhost|127\.0\.0\.1):\d+$/);
      expect(props.get('zookeeper.connect')).toMatch(/^127\.0\.0\.1:/);
    },
  );

  test('the registry: HTTP and management interfaces on 127.0.0.1', () => {
    const env = launchSpec(config, 'registry', { kind: 'memory' }).env;
    expect(env['QUARKUS_HTTP_HOST']).toBe('127.0.0.1');
    expect(env['QUARKUS_MANAGEMENT_HOST']).toBe('127.0.0.1');
  });

  test('no JVM opens a remote JMX or debug port', () => {
    for (const component of jvmComponents(config)) {
      const args = launchSpec(config, component, { kind: 'memory' }).args.join(' ');
      expect(args).not.toMatch(/jmxremote|jdwp|agentlib/);
    }
  });
});
