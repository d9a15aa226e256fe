import net from 'node:net';
import { describePortConflict, findPortOwner, isPortOpen, parseProcNetTcp, socketInode } from './ports';

// Real /proc/net/tcp lines: a listener on 127.0.0.1:2181 (0x0885), an established connection, a listener on *:9092 (0x2384).
const PROC_NET_TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0885 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41234 1 0000000000000000 100 0 0 10 0
   1: 0100007F:0885 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 41299 1 0000000000000000 20 4 30 10 -1
   2: 00000000:2384 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 51000 1 0000000000000000 100 0 0 10 0
`;

describe('parseProcNetTcp', () => {
  test('returns only LISTEN sockets with their port and inode', () => {
    expect(parseProcNetTcp(PROC_NET_TCP)).toEqual([
      { port: 2181, inode: 41234 },
      { port: 9092, inode: 51000 },
    ]);
  });

  test('ignores an empty or header-only file', () => {
    expect(parseProcNetTcp('')).toEqual([]);
    expect(parseProcNetTcp(PROC_NET_TCP.split('\n')[0] ?? '')).toEqual([]);
  });
});

test('socketInode reads socket fd links and ignores other files', () => {
  expect(socketInode('socket:[41234]')).toBe(41234);
  expect(socketInode('/dev/null')).toBeUndefined();
  expect(socketInode('pipe:[77]')).toBeUndefined();
});

describe('describePortConflict', () => {
  test('names the port, the component, the pid and command, and what to do', () => {
    const msg = describePortConflict('kafka', {
      port: 9092,
      pid: 4242,
      command: '/usr/bin/java -cp x kafka.Kafka other.properties',
    });
    expect(msg).toContain('Port 9092 (kafka)');
    expect(msg).toContain('pid 4242 (/usr/bin/java -cp x kafka.Kafka other.properties)');
    expect(msg).toContain('kill 4242');
    expect(msg).toContain('npm run stack -- up');
  });

  test('recognises a stack from another checkout and names its folder', () => {
    const msg = describePortConflict('kafka', {
      port: 9092,
      pid: 7,
      command: 'java -Dorderflow.stack=kafka -Dorderflow.stack.dir=/other/.stack kafka.Kafka',
    });
    expect(msg).toContain('an Orderflow stack started from /other/.stack');
    expect(msg).toContain('npm run stack -- down');
  });

  test('still says what to do when the pid is unknown', () => {
    expect(describePortConflict('registry', { port: 8081 })).toContain('ss -ltnp');
  });
});

describe('findPortOwner (this process listening on an ephemeral port)', () => {
  let server: net.Server;
  let port = 0;
  beforeAll(async () => {
    server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  test('finds this process as the owner', async () => {
    const owner = await findPortOwner(port);
    expect(owner?.port).toBe(port);
    expect(owner?.pid).toBe(process.pid);
    expect(owner?.command).toContain('node');
    expect(await isPortOpen(port)).toBe(true);
  });

  test('reports nobody once the port is free', async () => {
    const free = net.createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const freePort = (free.address() as net.AddressInfo).port;
    await new Promise<void>((r) => free.close(() => r()));
    expect(await findPortOwner(freePort)).toBeUndefined();
    expect(await isPortOpen(freePort)).toBe(false);
  });
});
