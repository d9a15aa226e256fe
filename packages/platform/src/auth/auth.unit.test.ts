// Bearer-token authentication through the HTTP kit, on an ephemeral port with a dev key pair in a temp
// directory (no stack): valid, expired, wrong issuer/audience/algorithm and missing tokens, scopes, the
// rate limit's answer, and the settings' start-up errors.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createLocalJWKSet,
  generateKeyPair,
  importJWK,
  SignJWT,
  type JWK,
  type JWTVerifyGetKey,
  type KeyLike,
} from 'jose';
import type { ConfigError } from '../config';
import { createHttpApp, listen } from '../http';
import { createLogger } from '../logger';
import { createMetricsRegistry } from '../metrics';
import { accessMatcher, grants } from './access';
import { DEV_AUDIENCE, DEV_ISSUER, devJwksFiles, devTokenMinter, ensureDevIssuer } from './dev-issuer';
import { principal } from './guard';
import type { RateLimiter } from './rate-limit';
import { verdict } from './rate-limit';
import { resolveAuth } from './settings';
import { createTokenVerifier } from './verifier';

const dir = mkdtempSync(path.join(tmpdir(), 'orderflow-auth-'));
let base = '';
let close: () => Promise<void> = () => Promise.resolve();
let mint: Awaited<ReturnType<typeof devTokenMinter>>;
let limited = new Set<string>();

beforeAll(async () => {
  mint = await devTokenMinter(dir);
  const limiter: RateLimiter = {
    hit: (subject) =>
      Promise.resolve(limited.has(subject) ? { allowed: false, retryAfterSeconds: 17 } : { allowed: true }),
  };
  const app = createHttpApp({
    logger: createLogger({ service: 'auth-test', level: 'silent' }),
    metrics: createMetricsRegistry('auth-test', { defaultMetrics: false }),
    readiness: [],
    routes: (a) => {
      a.get('/things', (_req, res) => {
        res.json({ subject: principal(res).subject });
      });
      a.post('/things/:id/restock', (_req, res) => {
        res.json({ ok: true });
      });
    },
    auth: {
      verifier: createTokenVerifier({
        keys: { jwksFile: devJwksFiles(dir).jwks },
        issuer: DEV_ISSUER,
        audience: DEV_AUDIENCE,
      }),
      access: [
        { method: 'GET', path: '/things', access: 'customer' },
        { method: 'POST', path: '/things/:id/restock', access: 'admin' },
      ],
      rateLimiter: limiter,
    },
  });
  const server = await listen(app, 0);
  base = `http://127.0.0.1:${server.port}`;
  close = server.close;
});

afterAll(async () => {
  await close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (p: string, token?: string) =>
  fetch(`${base}${p}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

async function expectProblem(res: Response, status: number, code: string): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code });
  return body;
}

test('a valid token reaches the route as its subject', async () => {
  const res = await get('/things', await mint({ subject: 'c-1' }));
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ subject: 'c-1' });
});

test('no token → 401 with a bare Bearer challenge; /health needs none', async () => {
  const res = await get('/things');
  expect(res.headers.get('www-authenticate')).toBe('Bearer realm="orderflow"');
  expect((await expectProblem(res, 401, 'UNAUTHENTICATED')).detail).toContain('Authorization: Bearer');
  expect((await get('/health')).status).toBe(200);
  await expectProblem(await get('/nowhere'), 401, 'UNAUTHENTICATED');
  await expectProblem(await get('/nowhere', await mint({ subject: 'c-1' })), 404, 'NOT_FOUND');
});

test.each([
  ['expired', async () => mint({ subject: 'c-1', ttlSeconds: -60 }), 'expired'],
  [
    'from another issuer',
    async () => sign({ iss: 'someone-else', aud: DEV_AUDIENCE }, await devKey()),
    'issuer',
  ],
  ['for another audience', async () => sign({ iss: DEV_ISSUER, aud: 'other' }, await devKey()), 'audience'],
  [
    'signed by an unknown key',
    async () => sign({ iss: DEV_ISSUER, aud: DEV_AUDIENCE }, await otherKey()),
    'signature',
  ],
  ['HS256', async () => hs256(), 'algorithm'],
  ['garbage', () => Promise.resolve('not-a-token'), 'malformed'],
])('a token %s → 401 invalid_token naming why', async (_what, token, why) => {
  const res = await get('/things', await token());
  expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  expect(String((await expectProblem(res, 401, 'UNAUTHENTICATED')).detail)).toContain(why);
});

test('a missing scope → 403 naming it; the admin scope passes', async () => {
  const post = async (token: string) =>
    fetch(`${base}/things/x/restock`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  const body = await expectProblem(await post(await mint({ subject: 'c-1' })), 403, 'FORBIDDEN');
  expect(body).toMatchObject({ requiredScopes: ['admin'] });
  expect((await post(await mint({ subject: 'ops', scopes: ['admin'] }))).status).toBe(200);
  // /ready and /metrics: operator or admin.
  await expectProblem(await get('/metrics', await mint({ subject: 'c-1' })), 403, 'FORBIDDEN');
  expect((await get('/metrics', await mint({ subject: 'o', scopes: ['operator'] }))).status).toBe(200);
});

test('over the rate limit → 429 with Retry-After', async () => {
  limited = new Set(['noisy']);
  const res = await get('/things', await mint({ subject: 'noisy' }));
  expect(res.headers.get('retry-after')).toBe('17');
  await expectProblem(res, 429, 'RATE_LIMITED');
  expect(verdict(1200, 5_000, 1200)).toEqual({ allowed: true });
  expect(verdict(1201, 4_001, 1200)).toEqual({ allowed: false, retryAfterSeconds: 5 });
});

test('access matching and scopes', () => {
  const match = accessMatcher([{ method: 'GET', path: '/orders/:orderId', access: 'customer' }]);
  expect(match('GET', '/orders/abc')?.access).toBe('customer');
  expect(match('HEAD', '/orders/abc')?.access).toBe('customer');
  expect(match('GET', '/orders/abc/x')).toBeUndefined();
  expect(grants('operator', new Set(['admin']))).toBe(true);
  expect(grants('admin', new Set(['operator']))).toBe(false);
});

test('settings: the dev issuer by default outside production; clear errors otherwise', () => {
  const cfg = { environment: 'development', authDevDir: dir, rateLimitPerMinute: 1 };
  expect(resolveAuth(cfg)).toMatchObject({ issuer: DEV_ISSUER, audience: DEV_AUDIENCE });
  const problems = (c: object): string[] => {
    try {
      resolveAuth({ ...cfg, ...c });
      return [];
    } catch (err) {
      return (err as ConfigError).problems;
    }
  };
  expect(problems({ environment: 'production' }).join('\n')).toMatch(
    /AUTH_JWKS_URL nor AUTH_JWKS_FILE[\s\S]*AUTH_ISSUER/,
  );
  expect(problems({ authJwksUrl: 'https://a/jwks', authJwksFile: '/x' })[0]).toContain('both set');
  expect(
    problems({ authJwksFile: path.join(dir, 'missing.json'), authIssuer: 'i', authAudience: 'a' })[0],
  ).toContain('cannot read the JWKS file');
  expect(problems({ authJwksUrl: 'https://a/jwks', authIssuer: 'i', authAudience: 'a' })).toEqual([]);
});

async function devKey(): Promise<KeyLike | Uint8Array> {
  await ensureDevIssuer(dir);
  return importJWK(JSON.parse(readFileSync(devJwksFiles(dir).privateKey, 'utf8')) as JWK, 'ES256');
}
async function otherKey(): Promise<KeyLike> {
  return (await generateKeyPair('ES256')).privateKey;
}
function sign(claims: { iss: string; aud: string }, key: KeyLike | Uint8Array) {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: 'orderflow-dev-1' })
    .setIssuer(claims.iss)
    .setAudience(claims.aud)
    .setSubject('c-1')
    .setExpirationTime('1h')
    .sign(key);
}
function hs256() {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', kid: 'orderflow-dev-1' })
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setSubject('c-1')
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode('a-shared-secret-that-is-long-enough-32b'));
}

describe('verified tokens are remembered, never past their expiry', () => {
  const verifierAt = (clock: { t: number }, rememberMax?: number) => {
    let checks = 0;
    const file = devJwksFiles(dir).jwks;
    const local = createLocalJWKSet(JSON.parse(readFileSync(file, 'utf8')) as { keys: JWK[] });
    const keys: JWTVerifyGetKey = (...args) => {
      checks++;
      return local(...args);
    };
    const v = createTokenVerifier({
      keys,
      issuer: DEV_ISSUER,
      audience: DEV_AUDIENCE,
      rememberVerifiedMs: 60_000,
      now: () => clock.t,
      ...(rememberMax === undefined ? {} : { rememberMax }),
    });
    return { v, checks: () => checks };
  };

  it('checks a token once within the window, again after it, and refuses it once expired', async () => {
    const clock = { t: Date.now() };
    const { v, checks } = verifierAt(clock);
    const token = await mint({ subject: 'c-9', ttlSeconds: 90 });
    expect((await v.verify(token)).subject).toBe('c-9');
    expect((await v.verify(token)).subject).toBe('c-9');
    expect(checks()).toBe(1);
    clock.t += 61_000;
    await v.verify(token);
    expect(checks()).toBe(2);
    // Remembered until min(now + 60 s, exp): past exp the signature check runs again and refuses it.
    clock.t += 40_000;
    await expect(v.verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('forgets the oldest token beyond the cap', async () => {
    const clock = { t: Date.now() };
    const { v, checks } = verifierAt(clock, 2);
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((s) => mint({ subject: s })));
    for (const t of [a!, b!, c!]) await v.verify(t);
    expect(checks()).toBe(3);
    await v.verify(c!);
    await v.verify(b!);
    expect(checks()).toBe(3);
    await v.verify(a!);
    expect(checks()).toBe(4);
  });
});
