import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PidStore } from './pid-files';
import { instanceName, parseReplicas, portOf, recordedInstances, serviceLogFile } from './services';

test('instance i of a service listens on its port + 100 × i and is named <service>-<i+1>', () => {
  expect([0, 1, 2].map((i) => portOf('order', i))).toEqual([8001, 8101, 8201]);
  expect(portOf('notification', 1)).toBe(8104);
  expect([0, 1].map((i) => instanceName('payment', i))).toEqual(['payment', 'payment-2']);
  expect(serviceLogFile('payment', { root: '/r', instance: 1 })).toBe('/r/.stack/logs/payment-2.log');
});

test('--replicas takes 1-9', () => {
  expect(parseReplicas('2')).toBe(2);
  expect(() => parseReplicas('0')).toThrow(/--replicas takes a number from 1 to 9/);
  expect(() => parseReplicas(undefined)).toThrow(/--replicas/);
});

test('every recorded instance of a service is found (what stop and status cover)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'of-services-unit-'));
  try {
    const pids = new PidStore(dir);
    for (const component of ['order', 'order-2', 'order-3', 'payment-2', 'order-service'])
      pids.write({ component, pid: 1, marker: 'x', startedAt: '' });
    expect(recordedInstances('order', { pidDir: dir })).toEqual([0, 1, 2]);
    expect(recordedInstances('payment', { pidDir: dir })).toEqual([1]);
    expect(recordedInstances('inventory', { pidDir: dir })).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
