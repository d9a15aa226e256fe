import {
  decodeReplayed,
  encodeReplayed,
  markReplayed,
  parseOffsetRef,
  replayHeaders,
  resolveTopic,
  wasReplayed,
  type ReplayState,
} from './dlt';

test('offsets are "n" or "partition:n"; anything else is a usage error', () => {
  expect(parseOffsetRef('5')).toEqual({ offset: 5n });
  expect(parseOffsetRef('2:17')).toEqual({ partition: 2, offset: 17n });
  expect(() => parseOffsetRef('-1')).toThrow(/--offset takes <offset> or <partition>:<offset>/);
});

test('a topic is named by itself or its DLT; unknown ones list the choices', () => {
  expect(resolveTopic('order_created.DLT')).toMatchObject({
    topic: 'order_created',
    dlt: 'order_created.DLT',
  });
  expect(resolveTopic('order_created').descriptor.topic).toBe('order_created');
  expect(() => resolveTopic('constructor')).toThrow(
    /unknown topic "constructor"; choose one of order_created/,
  );
});

test('replay state: the committed offset moves over contiguous replays, gaps are kept in the metadata', () => {
  const s: ReplayState = { next: 3n, beyond: new Set() };
  markReplayed(s, 5n);
  markReplayed(s, 6n);
  markReplayed(s, 9n);
  expect(s.next).toBe(3n);
  expect(encodeReplayed(s.beyond)).toBe('replayed:5-6,9');
  expect(wasReplayed(s, 2n)).toBe(true);
  expect(wasReplayed(s, 4n)).toBe(false);
  expect(wasReplayed(s, 6n)).toBe(true);
  markReplayed(s, 3n);
  markReplayed(s, 4n);
  expect(s.next).toBe(7n);
  expect([...s.beyond]).toEqual([9n]);
  expect(decodeReplayed('replayed:5-6,9')).toEqual(new Set([5n, 6n, 9n]));
  expect(decodeReplayed(null)).toEqual(new Set());
  expect(decodeReplayed('something else')).toEqual(new Set());
});

test('a replayed event keeps its trace headers, loses the dlt-* ones and says where it came from', () => {
  const headers = replayHeaders({
    topic: 'order_created.DLT',
    partition: 1,
    offset: 12n,
    timestamp: '0',
    key: Buffer.from('k'),
    value: Buffer.from('v'),
    headers: {
      'correlation-id': Buffer.from('c-1'),
      traceparent: Buffer.from('00-aa-bb-01'),
      'causation-id': Buffer.from('e-0'),
      'dlt-error-code': Buffer.from('INVALID_DATA'),
      'dlt-original-offset': Buffer.from('7'),
    },
  });
  expect(Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]))).toEqual({
    'correlation-id': 'c-1',
    traceparent: '00-aa-bb-01',
    'causation-id': 'e-0',
    'dlt-replayed-from': 'order_created.DLT/1/12',
  });
});
