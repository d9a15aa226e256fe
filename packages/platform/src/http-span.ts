// The HTTP server span of a request (tracing on only): a child of the caller's `traceparent`, named and
// attributed by the HTTP semantic conventions once the route is known, ended when the response closes.
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
  ATTR_ERROR_TYPE,
} from '@opentelemetry/semantic-conventions';
import { SpanStatusCode } from '@opentelemetry/api';
import type { Request, Response } from 'express';
import { SpanKind, startSpan, tracingEnabled, traceparentOf } from './spans';

/** The matched route's template (`/orders/:id`), or 'unmatched'. */
export function routeOf(req: Request): string {
  return req.route ? `${req.baseUrl}${String((req.route as { path: unknown }).path)}` : 'unmatched';
}

/** Probes and scrapes: polled constantly, never part of an order's story. */
const UNTRACED_PATHS = new Set(['/health', '/ready', '/metrics']);

/**
 * Starts the request's SERVER span and returns its traceparent (what `requestContext(res).traceparent`
 * then holds); undefined while tracing is off or for /health, /ready and /metrics.
 */
export function serverSpan(req: Request, res: Response): string | undefined {
  if (!tracingEnabled() || UNTRACED_PATHS.has(req.path)) return undefined;
  const span = startSpan(req.method, SpanKind.SERVER, req.get('traceparent'), {
    [ATTR_HTTP_REQUEST_METHOD]: req.method,
    [ATTR_URL_PATH]: req.path,
    [ATTR_URL_SCHEME]: req.protocol,
    [ATTR_SERVER_PORT]: req.socket.localPort,
    [ATTR_CLIENT_ADDRESS]: req.socket.remoteAddress,
    [ATTR_NETWORK_PROTOCOL_VERSION]: req.httpVersion,
    [ATTR_USER_AGENT_ORIGINAL]: req.get('user-agent'),
  });
  if (span === undefined) return undefined;
  res.once('close', () => {
    const route = routeOf(req);
    if (route !== 'unmatched') {
      span.setAttribute(ATTR_HTTP_ROUTE, route);
      span.updateName(`${req.method} ${route}`);
    }
    if (!res.writableFinished) {
      // The client went away before the answer was written.
      span.setAttribute(ATTR_ERROR_TYPE, 'aborted');
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'the response was not completed' });
    } else {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
      // Server errors only: a 4xx is the client's mistake, not a failed span (HTTP conventions).
      if (res.statusCode >= 500) {
        span.setAttribute(ATTR_ERROR_TYPE, String(res.statusCode));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
    }
    span.end();
  });
  return traceparentOf(span);
}
