import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import express, {
  type ErrorRequestHandler,
  type Express,
  type NextFunction,
  type Request,
  type Response,
} from 'express';
import type { Registry } from 'prom-client';
import { transientDatabaseReason } from './database-errors';
import { authGuard, type HttpAuth } from './auth/guard';
import { ApiError, toProblem } from './errors';
import { bodyHeaders, checkIdParams, jsonBody, setSecurityHeaders } from './http-input';
import type { Logger } from './logger';
import { platformMetrics } from './metrics';
import { PoolQueueFullError } from './prisma';
import { nextTraceparent } from './tracing';
import { routeOf, serverSpan } from './http-span';

/** A named dependency check for /ready: resolves when the dependency answers, throws otherwise. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

/** Per-request context, in `res.locals`. */
export interface RequestContext {
  correlationId: string;
  traceparent: string;
  log: Logger;
}

/** The request's correlation id, trace and logger (set by the HTTP kit before any route runs). */
export function requestContext(res: Response): RequestContext {
  return res.locals as RequestContext;
}

/** Options of the HTTP kit. */
export interface HttpAppOptions {
  logger: Logger;
  metrics: Registry;
  readiness: readonly ReadinessCheck[];
  /** Mounts the service's routes (between the kit's front middleware and its error handler). */
  routes: (app: Express) => void;
  /** JSON body limit (express syntax, default '64kb'); larger bodies get 413. */
  bodyLimit?: string;
  /** Per check, default 2000 ms. */
  readinessTimeoutMs?: number;
  /**
   * Bearer-token authentication, the access table and the rate limit, checked before the body is read.
   * Absent: no authentication (the platform's own tests of the kit).
   */
  auth?: HttpAuth | undefined;
}

/** Seconds a client should wait before retrying a 503 caused by a database outage, overload or conflict. */
const RETRY_AFTER_SECONDS = { unavailable: 2, busy: 1, conflict: 1 } as const;

function sendProblem(res: Response, err: unknown, instance: string): void {
  const problem = toProblem(err, instance);
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}

const DATABASE_DETAIL = {
  unavailable: 'the database is unavailable right now; retry the request shortly',
  busy: 'the database is busy right now; retry the request shortly',
  conflict: 'the request conflicted with a concurrent change; retry it',
} as const;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * An express app with the platform's front (correlation id, security headers, request log + metrics,
 * bearer-token authentication against the access table and the per-client rate limit when `auth` is given,
 * 415 on a non-JSON body or an unsupported Content-Encoding, JSON parsing with a size limit → 413,
 * 400 for an unreadable body or NUL/lone surrogates in it, id path parameters checked against
 * ID_PARAMS), /health, /ready, /metrics, the service's routes, and one problem+json error handler
 * (codes mapped through PROBLEM_STATUS; a transient database error → 503 with Retry-After; unknown
 * errors → bare 500).
 */
export function createHttpApp(opts: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const { httpRequests, httpSeconds } = platformMetrics(opts.metrics);
  const log = opts.logger.child({ component: 'http' });

  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const correlationId = req.get('x-correlation-id') ?? req.get('correlation-id') ?? randomUUID();
    // Tracing on: the request's SERVER span, whose traceparent the events it causes carry (undefined when off).
    const span = serverSpan(req, res);
    const traceparent = span ?? nextTraceparent(req.get('traceparent'));
    res.locals.correlationId = correlationId;
    res.locals.traceparent = traceparent;
    res.locals.log = log.child({ correlationId });
    res.setHeader('x-correlation-id', correlationId);
    setSecurityHeaders(res);
    res.on('finish', () => {
      const route = routeOf(req);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      httpSeconds.observe({ method: req.method, route }, seconds);
      if (route !== '/health' && route !== '/metrics' && route !== '/ready') {
        (res.locals.log as Logger).info(
          {
            method: req.method,
            path: req.originalUrl,
            route,
            status: res.statusCode,
            durationMs: Math.round(seconds * 1000),
          },
          'request',
        );
      }
    });
    next();
  });

  // Before the body is read: an unauthenticated caller costs no parsing and learns nothing about validation.
  if (opts.auth !== undefined) app.use(authGuard(opts.auth));
  app.use(bodyHeaders);
  const limit = opts.bodyLimit ?? '64kb';
  app.use(jsonBody(limit));
  checkIdParams(app);

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', async (_req, res) => {
    const timeoutMs = opts.readinessTimeoutMs ?? 2000;
    const results = await Promise.all(
      opts.readiness.map(async (c) => {
        try {
          await withTimeout(c.check(), timeoutMs, c.name);
          return { name: c.name, ok: true as const };
        } catch (err) {
          return {
            name: c.name,
            ok: false as const,
            error: err instanceof Error ? err.message : String(err),
          };
        }
      }),
    );
    const checks = Object.fromEntries(results.map((r) => [r.name, r.ok ? 'ok' : r.error]));
    const failed = results.filter((r) => !r.ok).map((r) => r.name);
    if (failed.length === 0) {
      res.json({ status: 'ready', checks });
      return;
    }
    sendProblem(
      res,
      new ApiError('NOT_READY', `not ready: ${failed.join(', ')} unavailable`, { failed, checks }),
      '/ready',
    );
  });
  app.get('/metrics', async (_req, res) => {
    res.type(opts.metrics.contentType).send(await opts.metrics.metrics());
  });

  opts.routes(app);

  app.use((req: Request, _res: Response, next: NextFunction) => {
    next(new ApiError('NOT_FOUND', `no route for ${req.method} ${req.path}`));
  });
  const onError: ErrorRequestHandler = (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    let mapped = err;
    const requestLog = (res.locals.log as Logger | undefined) ?? log;
    // A database outage (e.g. 57P03 while PostgreSQL restarts) is the client's cue to retry, not a bug.
    const transient = mapped instanceof ApiError ? undefined : transientDatabaseReason(mapped);
    if (transient !== undefined) {
      // Shedding is the overload's answer, one per refused request: no stack, not at warn.
      if (err instanceof PoolQueueFullError)
        requestLog.debug({ waiting: err.waiting }, 'shed; answering 503');
      else requestLog.warn({ err, reason: transient }, 'database unavailable; answering 503');
      mapped = new ApiError('UNAVAILABLE', DATABASE_DETAIL[transient]);
      res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS[transient]));
    } else if (!(mapped instanceof ApiError)) requestLog.error({ err }, 'unhandled error');
    else if (mapped.code === 'UNAVAILABLE') res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS.busy));
    if (mapped instanceof ApiError)
      for (const [name, value] of Object.entries(mapped.headers)) res.setHeader(name, value);
    sendProblem(res, mapped, req.originalUrl);
  };
  app.use(onError);
  return app;
}

/** Where `listen` binds unless told otherwise: this machine only. */
export const DEFAULT_BIND_ADDRESS = '127.0.0.1';

/** How long the HTTP kit keeps an idle keep-alive connection open. */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/**
 * Starts listening on `host` (default 127.0.0.1: nothing is reachable from other machines unless asked);
 * `close()` stops accepting, lets in-flight requests finish, then closes idle sockets.
 */
export async function listen(
  app: Express,
  port: number,
  host: string = DEFAULT_BIND_ADDRESS,
): Promise<{ server: Server; port: number; host: string; close: () => Promise<void> }> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  // An idle keep-alive connection stays open 65 s (Node's default is 5 s). A client reusing a connection the
  // server is closing at that moment gets ECONNRESET on a request that was never read; clients and proxies
  // keep idle connections around 60 s, so the server must outlast them, not the other way round (the saga
  // bench's POSTs met ECONNRESET at 20 orders/s with the default). Headers may take a second longer.
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : port,
    host: typeof address === 'object' && address ? address.address : host,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Keep-alive sockets turn idle as their last response finishes; close them as they do.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        server.close((err) => {
          clearInterval(sweep);
          if (err) reject(err);
          else resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
