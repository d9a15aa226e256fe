// The HTTP kit's input guards, on a kit app with dummy routes over an ephemeral port: nothing else runs.
import { request } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import { ApiError, validationFailed, type FieldIssue } from './errors';
import { createHttpApp, listen } from './http';
import { createLogger } from './logger';
import { createMetricsRegistry } from './metrics';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  problem: { code?: string; detail?: string; errors?: FieldIssue[]; [key: string]: unknown };
}

let port = 0;
let close: () => Promise<void>;
/** Bodies the dummy routes saw: a refused request must never reach one. */
const reached: unknown[] = [];

beforeAll(async () => {
  const app = createHttpApp({
    logger: createLogger({ service: 'http-input-test', level: 'silent' }),
    metrics: createMetricsRegistry('http_input_test'),
    readiness: [],
    bodyLimit: '8kb',
    routes: (a) => {
      a.post('/echo', (req, res) => {
        reached.push(req.body);
        res.status(201).json(req.body);
      });
      a.post('/invalid/:count', (req) => {
        const count = Number(req.params.count);
        const issues = Array.from({ length: count }, (_, i) => ({
          path: `/lines/${i}/${'k'.repeat(500)}`,
          message: 'is not a known field',
        }));
        throw validationFailed(issues);
      });
      a.get('/orders/:orderId', (req, res) => {
        reached.push(req.params.orderId);
        res.json({ orderId: req.params.orderId });
      });
      a.put('/stock/:sku', (req, res) => {
        reached.push(req.params.sku);
        res.json({ sku: req.params.sku });
      });
      a.put('/stock/:sku/prices/:currency', (req, res) => {
        reached.push(req.params.currency);
        res.json({ currency: req.params.currency });
      });
      a.get('/missing', () => {
        throw new ApiError('NOT_FOUND', 'nothing here');
      });
    },
  });
  const server = await listen(app, 0);
  port = server.port;
  close = server.close;
});
afterAll(() => close());
beforeEach(() => {
  reached.length = 0;
});

/** One request with exactly these headers (fetch would add a Content-Type of its own). */
function send(
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const isProblem = (res.headers['content-type'] ?? '').startsWith('application/problem+json');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          problem: isProblem ? (JSON.parse(text) as Answer['problem']) : {},
        });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function expectProblem(answer: Answer, status: number, code: string): void {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(answer.problem.code).toBe(code);
}

describe('validation answers are capped', () => {
  it('lists the first 20 of 63,000 field issues with their count, in a few KB', async () => {
    const answer = await send('POST', '/invalid/63000', '{}');
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.problem.errors).toHaveLength(20);
    expect(answer.problem.errors?.[0]?.path).toMatch(/^\/lines\/0\/k+…$/);
    expect(answer.problem).toMatchObject({ errorCount: 63000, errorsTruncated: true });
    expect(answer.problem.detail).toMatch(/^63000 invalid fields: \/lines\/0\/k+.*; and 62995 more$/);
    expect(Buffer.byteLength(answer.text)).toBeLessThan(4 * 1024);
  });

  it('lists a few issues whole, without a count', async () => {
    const answer = await send('POST', '/invalid/3', '{}');
    expect(answer.problem.errors).toHaveLength(3);
    expect(answer.problem).not.toHaveProperty('errorCount');
    expect(answer.problem).not.toHaveProperty('errorsTruncated');
  });
});

describe('text a database cannot store', () => {
  it.each([
    ['NUL in a value', { customer: { name: 'Ada\u0000' } }, '/customer/name', 'contains NUL (U+0000)'],
    [
      'a lone high surrogate',
      { lines: [{ sku: 'A' }, { sku: '\ud800B' }] },
      '/lines/1/sku',
      'contains a lone UTF-16 surrogate',
    ],
    ['a lone low surrogate', ['\udc00'], '/0', 'contains a lone UTF-16 surrogate'],
    [
      'NUL in a field name',
      { customer: { 'na\u0000me': 'Ada' } },
      '/customer/na\ufffdme',
      'field name contains NUL (U+0000)',
    ],
    [
      'a lone surrogate in a field name',
      { a: { '~/\ud83d': 1 } },
      '/a/~0~1\ufffd',
      'field name contains a lone UTF-16 surrogate',
    ],
  ])('%s → 400 naming its JSON path, before the route', async (_what, body, path, message) => {
    const answer = await send('POST', '/echo', JSON.stringify(body));
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.problem.errors).toEqual([{ path, message }]);
    expect(reached).toEqual([]);
  });

  it('lets well-formed text through, surrogate pairs included', async () => {
    const body = { name: 'Ada 😀 \u00e9\u4e2d', lines: [['\ud83d\ude00']] };
    const answer = await send('POST', '/echo', JSON.stringify(body));
    expect(answer.status).toBe(201);
    expect(reached).toEqual([body]);
  });

  it('walks a deeply nested body without overflowing the stack', async () => {
    const depth = 3000;
    const answer = await send('POST', '/echo', `${'['.repeat(depth)}"\\u0000"${']'.repeat(depth)}`);
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.problem.errors?.[0]?.path).toBe(`${'/0'.repeat(49)}/…`);
  });
});

describe('bodies the kit cannot read', () => {
  const json = JSON.stringify({ sku: 'SKU-1' });

  it.each([
    ['gzip', gzipSync(json)],
    ['deflate', deflateSync(json)],
    ['br', brotliCompressSync(json)],
  ])('reads a %s body', async (encoding, body) => {
    const answer = await send('POST', '/echo', body, {
      'content-type': 'application/json',
      'content-encoding': encoding,
    });
    expect(answer.status).toBe(201);
    expect(reached).toEqual([{ sku: 'SKU-1' }]);
  });

  it.each(['compress', 'zstd', 'gzip, gzip', 'x-custom'])(
    'answers Content-Encoding %s with 415 naming it',
    async (encoding) => {
      const answer = await send('POST', '/echo', json, {
        'content-type': 'application/json',
        'content-encoding': encoding,
      });
      expectProblem(answer, 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(answer.problem.detail).toContain(`Content-Encoding ${encoding} is not supported`);
      expect(reached).toEqual([]);
    },
  );

  it.each([
    ['gzip', Buffer.concat([gzipSync(json).subarray(0, 12), Buffer.from('not gzip at all')])],
    ['deflate', Buffer.from('definitely not deflate')],
    ['br', Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])],
  ])('answers a corrupt %s body with 400, not 500', async (encoding, body) => {
    const answer = await send('POST', '/echo', body, {
      'content-type': 'application/json',
      'content-encoding': encoding,
    });
    expectProblem(answer, 400, 'UNREADABLE_BODY');
    expect(answer.problem.detail).toContain(`Content-Encoding ${encoding}`);
    expect(reached).toEqual([]);
  });

  it.each([
    ['no Content-Type', {}, 'got none'],
    ['text/plain', { 'content-type': 'text/plain' }, 'got text/plain'],
    [
      'a form',
      { 'content-type': 'application/x-www-form-urlencoded' },
      'got application/x-www-form-urlencoded',
    ],
  ])('answers a body with %s with 415 naming it', async (_what, headers, named) => {
    const answer = await send('POST', '/echo', Buffer.from(json), headers);
    expectProblem(answer, 415, 'UNSUPPORTED_MEDIA_TYPE');
    expect(answer.problem.detail).toContain(named);
    expect(reached).toEqual([]);
  });
});

describe('body limit', () => {
  const big = JSON.stringify({ pad: 'x'.repeat(9 * 1024) });

  it('answers 413 problem+json above the limit, with or without Content-Length', async () => {
    expectProblem(await send('POST', '/echo', big), 413, 'PAYLOAD_TOO_LARGE');
    const chunked = await send('POST', '/echo', big, {
      'content-type': 'application/json',
      'transfer-encoding': 'chunked',
    });
    expectProblem(chunked, 413, 'PAYLOAD_TOO_LARGE');
    expect(reached).toEqual([]);
  });

  it('counts the decompressed bytes: a 1 MB body gzipped to 1 KB is 413', async () => {
    const bomb = gzipSync(JSON.stringify({ pad: ' '.repeat(1024 * 1024) }));
    expect(bomb.length).toBeLessThan(8 * 1024);
    const answer = await send('POST', '/echo', bomb, {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expectProblem(answer, 413, 'PAYLOAD_TOO_LARGE');
    expect(answer.problem.detail).toBe('request body exceeds 8kb');
  });
});

describe('id path parameters', () => {
  it.each([
    ['not-a-uuid', 'not-a-uuid'],
    ['with a urn:uuid: prefix', `urn:uuid:${randomUUID()}`],
    ['in braces', `{${randomUUID()}}`],
    ['without hyphens', randomUUID().replaceAll('-', '')],
    ['one digit too long', `${randomUUID()}0`],
    ['NUL', '%00'],
    ['5000 characters', 'x'.repeat(5000)],
  ])('answers orderId %s with 400 naming the parameter', async (_what, id) => {
    const answer = await send('GET', `/orders/${id}`);
    expectProblem(answer, 400, 'VALIDATION_FAILED');
    expect(answer.problem.errors).toEqual([{ path: 'path.orderId', message: 'must be a UUID' }]);
    expect(answer.text.length).toBeLessThan(2048);
    expect(reached).toEqual([]);
  });

  it.each([['-starts-with-dash'], ['has%20space'], ['%00'], ['s'.repeat(65)], ['%E2%80%AE']])(
    'answers sku %s with 400 naming the parameter',
    async (sku) => {
      const answer = await send('PUT', `/stock/${sku}`, '{}');
      expectProblem(answer, 400, 'VALIDATION_FAILED');
      expect(answer.problem.errors?.[0]?.path).toBe('path.sku');
      expect(reached).toEqual([]);
    },
  );

  it.each([['eur'], ['EURO'], ['E1R'], ['%00']])(
    'answers currency %s with 400 naming the parameter',
    async (currency) => {
      const answer = await send('PUT', `/stock/SKU-1/prices/${currency}`, '{}');
      expectProblem(answer, 400, 'VALIDATION_FAILED');
      expect(answer.problem.errors).toEqual([
        { path: 'path.currency', message: 'must be an ISO-4217 code of 3 capital letters' },
      ]);
      expect(reached).toEqual([]);
    },
  );

  it('lets valid ids through', async () => {
    const id = randomUUID().toUpperCase();
    expect((await send('GET', `/orders/${id}`)).status).toBe(200);
    expect((await send('PUT', `/stock/SKU_1.a-${'s'.repeat(56)}`, '{}')).status).toBe(200);
    expect((await send('PUT', '/stock/SKU-1/prices/GBP', '{}')).status).toBe(200);
    expect(reached).toEqual([id, `SKU_1.a-${'s'.repeat(56)}`, 'GBP']);
  });
});

describe('security headers', () => {
  it.each([
    ['a 200', 'GET', '/health', 200],
    ['a 201', 'POST', '/echo', 201],
    ['a 404 of a route', 'GET', '/missing', 404],
    ['a 404 of no route', 'GET', '/nowhere', 404],
    ['a 415', 'PUT', '/stock/SKU-1', 415],
  ])('are on %s', async (_what, method, path, status) => {
    const answer = await send(
      method,
      path,
      method === 'GET' ? undefined : '{}',
      method === 'PUT' ? { 'content-type': 'text/plain' } : undefined,
    );
    expect(answer.status).toBe(status);
    expect(answer.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'cross-origin-resource-policy': 'same-origin',
    });
    expect(answer.headers).not.toHaveProperty('x-powered-by');
    expect(answer.headers).not.toHaveProperty('strict-transport-security');
  });
});
