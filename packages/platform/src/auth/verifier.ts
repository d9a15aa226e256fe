// Bearer JWT verification with jose: signature against a JWKS (a URL, fetched and cached by jose, or a
// file read at start-up), algorithm ES256 or RS256 only, issuer, audience, expiry and a subject.
import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { ApiError } from '../errors';

/** The algorithms a token may be signed with; anything else (HS256, none, ...) is refused. */
export const ACCEPTED_ALGORITHMS = ['ES256', 'RS256'] as const;

/** Who is calling: the token's subject (a customer id such as `c-1`) and its scopes. */
export interface Principal {
  subject: string;
  scopes: ReadonlySet<string>;
}

/** Verifies a bearer token; throws ApiError UNAUTHENTICATED (401) for a bad token, UNAVAILABLE (503) when the keys cannot be fetched. */
export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

/** Where the verification keys come from. */
export type KeySource = { jwksUrl: string } | { jwksFile: string };

/** Reads a JWKS file; throws a message naming the file and what is wrong with it. */
export function readJwksFile(file: string): JSONWebKeySet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the JWKS file ${file}: ${(err as Error).message}`);
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0)
    throw new Error(`the JWKS file ${file} has no "keys" array with at least one key`);
  return parsed as JSONWebKeySet;
}

/** The `WWW-Authenticate` value of a 401 (RFC 6750 §3): no `error` when no token was sent. */
export function bearerChallenge(error?: {
  code: 'invalid_token' | 'invalid_request';
  description: string;
}): string {
  const base = 'Bearer realm="orderflow"';
  if (error === undefined) return base;
  const description = error.description.replace(/["\\]/g, "'");
  return `${base}, error="${error.code}", error_description="${description}"`;
}

/** A 401 naming what is wrong with the credentials. */
export function unauthenticated(detail: string, sentToken: boolean): ApiError {
  return new ApiError(
    'UNAUTHENTICATED',
    detail,
    {},
    {
      'WWW-Authenticate': bearerChallenge(
        sentToken ? { code: 'invalid_token', description: detail } : undefined,
      ),
    },
  );
}

function scopesOf(payload: Record<string, unknown>): Set<string> {
  const { scope, scp } = payload;
  if (typeof scope === 'string') return new Set(scope.split(' ').filter(Boolean));
  if (Array.isArray(scp)) return new Set(scp.filter((s): s is string => typeof s === 'string'));
  return new Set();
}

function describe(err: unknown): string | undefined {
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return 'the token was not issued by the expected issuer (iss)';
    if (err.claim === 'aud') return 'the token is not meant for this audience (aud)';
    if (err.claim === 'nbf') return 'the token is not valid yet (nbf)';
    return `the token's ${err.claim} claim is invalid: ${err.reason}`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed)
    return `the token's algorithm is not accepted (use ${ACCEPTED_ALGORITHMS.join(' or ')})`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
  if (err instanceof errors.JWKSNoMatchingKey) return 'no known key matches the token (kid)';
  if (err instanceof errors.JWKSMultipleMatchingKeys) return 'the token matches more than one key';
  if (err instanceof errors.JOSENotSupported) return 'the token uses an unsupported algorithm or key';
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return 'the token is malformed';
  return undefined;
}

/** A verifier for tokens from `issuer` meant for `audience`, signed by a key of `keys`. */
export function createTokenVerifier(opts: {
  keys: KeySource | JWTVerifyGetKey;
  issuer: string;
  audience: string;
  /** Seconds of clock skew tolerated on exp/nbf (default 5). */
  clockToleranceSec?: number;
  /**
   * How long a verified token is remembered (default 60 s, never past its `exp`; 0 turns it off): a
   * customer's GETs and POSTs carry the same token, and an ES256 signature check costs more CPU than the
   * request it guards. A key removed from the JWKS stops accepting its tokens within this time.
   */
  rememberVerifiedMs?: number;
  /** Tokens remembered at most (oldest forgotten first; default 10,000). */
  rememberMax?: number;
  now?: () => number;
}): TokenVerifier {
  const rememberMs = opts.rememberVerifiedMs ?? 60_000;
  const rememberMax = opts.rememberMax ?? 10_000;
  const now = opts.now ?? Date.now;
  const verified = new Map<string, { principal: Principal; until: number }>();
  const keys: JWTVerifyGetKey =
    typeof opts.keys === 'function'
      ? opts.keys
      : 'jwksUrl' in opts.keys
        ? createRemoteJWKSet(new URL(opts.keys.jwksUrl))
        : createLocalJWKSet(readJwksFile(opts.keys.jwksFile));
  return {
    async verify(token) {
      const known = verified.get(token);
      if (known !== undefined) {
        if (known.until > now()) return known.principal;
        verified.delete(token);
      }
      try {
        const { payload } = await jwtVerify(token, keys, {
          issuer: opts.issuer,
          audience: opts.audience,
          algorithms: [...ACCEPTED_ALGORITHMS],
          clockTolerance: opts.clockToleranceSec ?? 5,
          requiredClaims: ['exp', 'sub'],
          currentDate: new Date(now()),
        });
        const subject = payload.sub;
        if (typeof subject !== 'string' || subject === '' || subject.length > 200)
          throw unauthenticated('the token has no usable subject (sub)', true);
        const principal: Principal = { subject, scopes: scopesOf(payload) };
        const until = Math.min(now() + rememberMs, (payload.exp ?? 0) * 1000);
        if (rememberMs > 0 && until > now()) {
          if (verified.size >= rememberMax) verified.delete(verified.keys().next().value!);
          verified.set(token, { principal, until });
        }
        return principal;
      } catch (err) {
        if (err instanceof ApiError) throw err;
        const reason = describe(err);
        if (reason !== undefined) throw unauthenticated(reason, true);
        // The key set could not be fetched (JWKS URL down or slow): an outage, not the caller's fault.
        throw new ApiError('UNAVAILABLE', 'the token cannot be checked right now; retry shortly');
      }
    },
  };
}
