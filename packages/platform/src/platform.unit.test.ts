import { CodecError } from '@orderflow/codec';
import express from 'express';
import { ConfigError, int, list, loadConfig, oneOf, platformSettings, redactUrl, str, url } from './config';
import { listen } from './http';
import { ApiError, errorCode, toProblem } from './errors';
import { backoffDelay } from './retry';
import { eventHeaders, headersToRecord, nextTraceparent } from './tracing';

describe('loadConfig', () => {
  it('applies defaults and parses ints, urls and lists', () => {
    const cfg = loadConfig(platformSettings('order', 8001), {
      PORT: '9001',
      KAFKA_BROKERS: 'a:9092, b:9092',
    });
    expect(cfg.port).toBe(9001);
    expect(cfg.kafkaBrokers).toEqual(['a:9092', 'b:9092']);
    expect(cfg.databaseUrl).toBe('postgresql://postgres@127.0.0.1:5432/orderflow_order');
    expect(cfg.environment).toBe('development');
  });

  it('names every missing or malformed variable and what to set', () => {
    const spec = {
      secret: str('WEBHOOK_SECRET'),
      port: int('PORT', { min: 1, max: 65535 }),
      db: url('DATABASE_URL', { protocols: ['postgresql:'] }),
      env: oneOf('ORDERFLOW_ENV', ['development', 'production']),
    };
    let caught: unknown;
    try {
      loadConfig(spec, { PORT: '70000', DATABASE_URL: 'mysql://x/y', ORDERFLOW_ENV: 'prod' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^WEBHOOK_SECRET is not set; set it to/);
    expect(problems[1]).toMatch(
      /^PORT="70000" is invalid: out of range 1\.\.65535; set it to an integer from 1 to 65535/,
    );
    expect(problems[2]).toMatch(
      /^DATABASE_URL="mysql:\/\/x\/y" is invalid: protocol mysql: is not postgresql:/,
    );
    expect(problems[3]).toMatch(/^ORDERFLOW_ENV="prod" is invalid: not one of development, production/);
  });

  it('rejects a non-integer and an empty list, and leaves optional settings undefined', () => {
    expect(() => loadConfig({ p: int('PORT') }, { PORT: '80a' })).toThrow(
      /PORT="80a" is invalid: not an integer/,
    );
    expect(() => loadConfig({ b: list('KAFKA_BROKERS') }, { KAFKA_BROKERS: ' , ' })).toThrow(
      /KAFKA_BROKERS=" , " is invalid: empty list/,
    );
    expect(loadConfig({ hook: url('WEBHOOK_URL', { optional: true }) }, {}).hook).toBeUndefined();
  });
});

describe('what a service exposes and the secrets in its settings', () => {
  it('listens on 127.0.0.1 unless BIND_ADDRESS says otherwise, and refuses a malformed address', () => {
    expect(loadConfig(platformSettings('order', 8001), {}).bindAddress).toBe('127.0.0.1');
    expect(loadConfig(platformSettings('order', 8001), { BIND_ADDRESS: '0.0.0.0' }).bindAddress).toBe(
      '0.0.0.0',
    );
    expect(loadConfig(platformSettings('order', 8001), { BIND_ADDRESS: '::' }).bindAddress).toBe('::');
    expect(() => loadConfig(platformSettings('order', 8001), { BIND_ADDRESS: '0.0.0.0:8001' })).toThrow(
      /BIND_ADDRESS="0\.0\.0\.0:8001" is invalid: not an IP address or host name/,
    );
  });

  it('the HTTP listener binds 127.0.0.1 by default, the address it is given otherwise', async () => {
    const app = express();
    const local = await listen(app, 0);
    const given = await listen(app, 0, '127.0.0.1');
    try {
      expect(local.server.address()).toMatchObject({ address: '127.0.0.1' });
      expect(local.host).toBe('127.0.0.1');
      expect(given.server.address()).toMatchObject({ address: '127.0.0.1' });
    } finally {
      await Promise.all([local.close(), given.close()]);
    }
  });

  it('accepts password-bearing DATABASE_URL and REDIS_URL unchanged', () => {
    const cfg = loadConfig(platformSettings('order', 8001), {
      DATABASE_URL: 'postgresql://postgres:s3cret-Pw_1@postgres:5432/orderflow_order',
      REDIS_URL: 'redis://:s3cret-Pw_2@redis:6379',
    });
    expect(cfg.databaseUrl).toBe('postgresql://postgres:s3cret-Pw_1@postgres:5432/orderflow_order');
    expect(cfg.redisUrl).toBe('redis://:s3cret-Pw_2@redis:6379');
  });

  it('never repeats a password in a configuration error', () => {
    let caught: unknown;
    try {
      loadConfig(platformSettings('order', 8001), {
        DATABASE_URL: 'mysql://postgres:s3cret-Pw_1@postgres/orderflow_order',
        REDIS_URL: 'http://:s3cret-Pw_2@redis:6379',
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).message).not.toMatch(/s3cret/);
    expect((caught as ConfigError).message).toContain('mysql://postgres:***@postgres/orderflow_order');
    expect(redactUrl('redis://:pw@redis:6379')).toBe('redis://:***@redis:6379');
    expect(redactUrl('postgresql://postgres@127.0.0.1/x')).toBe('postgresql://postgres@127.0.0.1/x');
    expect(redactUrl('not a url //user:pw@host')).toBe('not a url //***@host');
  });
});

describe('backoffDelay', () => {
  it('doubles from the initial delay, stays within [cap/2, cap] and stops at the maximum', () => {
    const opts = { initialMs: 100, maxMs: 1000 };
    expect(backoffDelay(0, opts, () => 0)).toBe(50);
    expect(backoffDelay(0, opts, () => 1)).toBe(100);
    expect(backoffDelay(2, opts, () => 1)).toBe(400);
    expect(backoffDelay(3, opts, () => 0.5)).toBe(600);
    expect(backoffDelay(50, opts, () => 1)).toBe(1000);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(4, opts);
      expect(d).toBeGreaterThanOrEqual(500);
      expect(d).toBeLessThanOrEqual(1000);
    }
  });
});

describe('errorCode', () => {
  it('gives a stable error code for DLT headers', () => {
    expect(errorCode(new CodecError('BAD_FRAMING', 'x'))).toBe('CodecError:BAD_FRAMING');
    expect(errorCode(new TypeError('x'))).toBe('TypeError');
  });
});

describe('toProblem', () => {
  it('maps each code to its status with field issues', () => {
    const p = toProblem(
      new ApiError('VALIDATION_FAILED', 'invalid body', {
        errors: [{ path: '/lines/0/quantity', message: 'must be >= 1' }],
      }),
      '/orders',
    );
    expect(p).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      detail: 'invalid body',
      instance: '/orders',
      errors: [{ path: '/lines/0/quantity', message: 'must be >= 1' }],
    });
    expect(toProblem(new ApiError('IDEMPOTENCY_KEY_REUSED', 'x')).status).toBe(422);
    expect(toProblem(new ApiError('PAYLOAD_TOO_LARGE', 'x')).status).toBe(413);
    expect(toProblem(new ApiError('UNSUPPORTED_MEDIA_TYPE', 'x')).status).toBe(415);
  });

  it('turns unknown errors into a bare 500 without internals', () => {
    const p = toProblem(new Error('password=hunter2 at db.ts:12'));
    expect(p).toEqual({
      type: 'urn:orderflow:problem:internal',
      title: 'Internal server error',
      status: 500,
      code: 'INTERNAL',
    });
    expect(JSON.stringify(p)).not.toContain('hunter2');
  });
});

describe('trace headers', () => {
  it('continues the trace of a valid traceparent with a new span', () => {
    const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const next = nextTraceparent(parent);
    expect(next).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(next).not.toBe(parent);
    expect(nextTraceparent('garbage')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('carries the correlation id and sets causation-id', () => {
    expect(eventHeaders({ correlationId: 'c-1', causationId: 'e-1' })).toMatchObject({
      'correlation-id': 'c-1',
      'causation-id': 'e-1',
    });
    expect(eventHeaders()).not.toHaveProperty('causation-id');
  });
});

describe('headersToRecord', () => {
  it.each([...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])])(
    'keeps a Kafka header named %p as an own string and reads no inherited value',
    (name) => {
      // Kafka header names come from whoever produced the message.
      const headers = JSON.parse(
        `{${JSON.stringify(name)}: "from-the-wire", "correlation-id": "c-1"}`,
      ) as Record<string, Buffer | string>;
      const record = headersToRecord(headers);
      expect(Object.hasOwn(record, name)).toBe(true);
      expect(record[name]).toBe('from-the-wire');
      expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
      expect(record['correlation-id']).toBe('c-1');
      expect(Object.keys(headersToRecord({ 'correlation-id': 'c-1' }))).toEqual(['correlation-id']);
    },
  );
});
