import { portOpen, ScratchStack, waitGone } from './scratch-stack';

// Issue 7: after a broker is SIGKILLed, its ZooKeeper registration /brokers/ids/0 outlives it until the
// session times out (18 s), and a broker started before then exits with NodeExistsException. One `up`
// must bring Kafka back anyway. Runs on a scratch stack (own folder and ports), never the shared one.
const scratch = new ScratchStack('broker-restart', {
  zookeeper: 13281,
  kafka: 19292,
  registry: 18281,
  registryManagement: 18291,
});

afterAll(() => scratch.destroy());

test('after a SIGKILLed broker, one `up` brings Kafka back (waiting out its ZooKeeper session)', async () => {
  for (const port of scratch.portList) expect(await portOpen(port)).toBe(false);
  const cold = scratch.cli('up', '--fresh');
  expect(cold.code).toBe(0);

  const killed = scratch.pidOf('kafka');
  process.kill(killed, 'SIGKILL');
  await waitGone(killed);

  const again = scratch.cli('up');
  console.log(
    `broker-restart: up after SIGKILL took ${(again.ms / 1000).toFixed(1)} s\n${again.out
      .split('\n')
      .filter((l) => /^✓ kafka|^✗ kafka|^up in/.test(l))
      .join('\n')}`,
  );
  expect(again.out).toMatch(/\/brokers\/ids\/0/);
  expect(again.out).toMatch(/^kafka\s+\| up\s+\| localhost:19292/m);
  expect(again.code).toBe(0);
  expect(scratch.pidOf('kafka')).not.toBe(killed);
  expect(scratch.cli('status').code).toBe(0);

  expect(scratch.cli('down').code).toBe(0);
  expect(scratch.processes()).toEqual([]);
}, 360_000);
