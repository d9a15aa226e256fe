// The HTTP kit's front door: authenticate the bearer token, check the route's access level against the
// token's scopes, and count the request against the caller's rate limit. Errors are ApiErrors, so the
// kit's error handler answers them as problem+json (401 with WWW-Authenticate, 403, 429 with Retry-After).
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../errors';
import { accessMatcher, grants, GRANTING_SCOPES, PLATFORM_ACCESS, type AccessRule } from './access';
import type { RateLimiter } from './rate-limit';
import { unauthenticated, type Principal, type TokenVerifier } from './verifier';

/** What the HTTP kit needs to guard a service's routes. */
export interface HttpAuth {
  verifier: TokenVerifier;
  /** The service's routes and who may call them (the kit's /health, /ready, /metrics are added). */
  access: readonly AccessRule[];
  /** Absent: no rate limit. */
  rateLimiter?: RateLimiter | undefined;
}

/** The authenticated caller of this request (set by the guard before any route runs). */
export function principal(res: Response): Principal {
  const p = res.locals.principal as Principal | undefined;
  if (p === undefined)
    throw new Error('no authenticated principal: is the route missing from the access table?');
  return p;
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** Express middleware enforcing `auth` on every request. */
export function authGuard(auth: HttpAuth) {
  const match = accessMatcher([...PLATFORM_ACCESS, ...auth.access]);
  return (req: Request, res: Response, next: NextFunction): void => {
    // Anything the table does not name needs a token like a customer route, then 404s.
    const access = match(req.method, req.path)?.access ?? 'customer';
    if (access === 'public') {
      next();
      return;
    }
    const header = req.get('authorization');
    if (header === undefined) {
      next(unauthenticated('this request needs an Authorization: Bearer <token> header', false));
      return;
    }
    const token = BEARER.exec(header)?.[1];
    if (token === undefined) {
      next(unauthenticated('the Authorization header is not "Bearer <token>"', true));
      return;
    }
    auth.verifier
      .verify(token)
      .then(async (caller) => {
        if (!grants(access, caller.scopes)) {
          const needed = GRANTING_SCOPES[access];
          throw new ApiError(
            'FORBIDDEN',
            `${req.method} ${req.path} needs the ${needed.join(' or ')} scope`,
            { requiredScopes: [...needed] },
            {
              'WWW-Authenticate': `Bearer realm="orderflow", error="insufficient_scope", scope="${needed.join(' ')}"`,
            },
          );
        }
        res.locals.principal = caller;
        const verdict = await auth.rateLimiter?.hit(caller.subject);
        if (verdict !== undefined && !verdict.allowed) {
          throw new ApiError(
            'RATE_LIMITED',
            `too many requests from ${caller.subject}; retry in ${verdict.retryAfterSeconds} s`,
            { retryAfterSeconds: verdict.retryAfterSeconds },
            { 'Retry-After': String(verdict.retryAfterSeconds) },
          );
        }
        next();
      })
      .catch(next);
  };
}
