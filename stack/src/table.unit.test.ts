import { renderTable, statusTable } from './table';

test('renderTable aligns columns under the header', () => {
  expect(
    renderTable(
      ['a', 'long header'],
      [
        ['xyz', '1'],
        ['q', ''],
      ],
    ),
  ).toBe(['a   | long header', '----|------------', 'xyz | 1', 'q   |'].join('\n'));
});

test('statusTable shows component, status, address, pid and log per row', () => {
  const text = statusTable([
    {
      component: 'kafka',
      healthy: true,
      status: 'up',
      address: 'localhost:9092',
      pid: '42',
      log: '/x/.stack/logs/kafka.log',
    },
    {
      component: 'redis',
      healthy: false,
      status: 'down (ECONNREFUSED)',
      address: 'redis://127.0.0.1:6379',
      pid: '-',
      log: '(machine log)',
    },
  ]);
  const lines = text.split('\n');
  expect(lines[0]?.split('|').map((s) => s.trim())).toEqual(['component', 'status', 'address', 'pid', 'log']);
  expect(lines[2]?.split('|').map((s) => s.trim())).toEqual([
    'kafka',
    'up',
    'localhost:9092',
    '42',
    '/x/.stack/logs/kafka.log',
  ]);
  expect(lines[3]?.split('|').map((s) => s.trim())).toEqual([
    'redis',
    'down (ECONNREFUSED)',
    'redis://127.0.0.1:6379',
    '-',
    '(machine log)',
  ]);
});
