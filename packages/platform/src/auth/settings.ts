// Authentication settings of every service, and the verifier they configure. Outside production, with
// no AUTH_* setting, the services trust the development issuer (dev-issuer.ts); in production a key
// source, an issuer and an audience must be set.
import path from 'node:path';
import { ConfigError, int, str, url } from '../config';
import { DEV_AUDIENCE, DEV_ISSUER, DEV_JWKS_DIR, ensureDevIssuer } from './dev-issuer';
import { createTokenVerifier, readJwksFile, type KeySource, type TokenVerifier } from './verifier';

/** The settings, spread into a service's spec; `root` is the repository root (where the dev keys live). */
export function authSettings(root: string) {
  return {
    /** The issuer's JWKS endpoint (keys fetched and cached); or AUTH_JWKS_FILE. */
    authJwksUrl: url('AUTH_JWKS_URL', { optional: true, protocols: ['https:', 'http:'] }),
    /** A JWKS file read at start-up; or AUTH_JWKS_URL. */
    authJwksFile: str('AUTH_JWKS_FILE', { optional: true, hint: 'the path of a JWKS JSON file' }),
    /** The `iss` tokens must carry. */
    authIssuer: str('AUTH_ISSUER', { optional: true, hint: "your issuer's iss value" }),
    /** The `aud` tokens must carry. */
    authAudience: str('AUTH_AUDIENCE', { optional: true, hint: "this API's audience (aud) value" }),
    /** Where the development issuer's keys are (used only when no key source is set, outside production). */
    authDevDir: str('AUTH_DEV_JWKS_DIR', { default: path.join(root, DEV_JWKS_DIR) }),
    /** Requests per caller (token subject) and minute, per service, across its instances; 0 turns the limit off. */
    rateLimitPerMinute: int('RATE_LIMIT_PER_MINUTE', { default: 1200, min: 0 }),
  };
}

/** The values of `authSettings` a service's config holds. */
export interface AuthConfig {
  environment: string;
  authJwksUrl?: string | undefined;
  authJwksFile?: string | undefined;
  authIssuer?: string | undefined;
  authAudience?: string | undefined;
  authDevDir: string;
  rateLimitPerMinute: number;
}

/** How tokens are checked, once the settings were reconciled. */
export interface ResolvedAuth {
  keys: KeySource | { devDir: string };
  issuer: string;
  audience: string;
}

/** Reconciles the settings; throws a ConfigError naming every problem (start-up fails with it). */
export function resolveAuth(config: AuthConfig): ResolvedAuth {
  const problems: string[] = [];
  const { authJwksUrl: jwksUrl, authJwksFile: jwksFile, authIssuer: issuer, authAudience: audience } = config;
  if (jwksUrl !== undefined && jwksFile !== undefined)
    problems.push('AUTH_JWKS_URL and AUTH_JWKS_FILE are both set; set only one of them');
  const keySet = jwksUrl !== undefined || jwksFile !== undefined;
  if (!keySet) {
    if (config.environment === 'production')
      problems.push(
        "neither AUTH_JWKS_URL nor AUTH_JWKS_FILE is set; set one to your token issuer's keys (the development issuer is refused when ORDERFLOW_ENV=production)",
      );
    else if (problems.length === 0)
      return {
        keys: { devDir: config.authDevDir },
        issuer: issuer ?? DEV_ISSUER,
        audience: audience ?? DEV_AUDIENCE,
      };
  }
  if (keySet || config.environment === 'production') {
    if (issuer === undefined) problems.push("AUTH_ISSUER is not set; set it to your issuer's iss value");
    if (audience === undefined) problems.push("AUTH_AUDIENCE is not set; set it to this API's aud value");
  }
  if (jwksFile !== undefined && jwksUrl === undefined) {
    try {
      readJwksFile(jwksFile);
    } catch (err) {
      problems.push(`AUTH_JWKS_FILE: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    keys: jwksUrl !== undefined ? { jwksUrl } : { jwksFile: jwksFile! },
    issuer: issuer!,
    audience: audience!,
  };
}

/** A verifier that is ready once its keys are (see `ready`). */
export interface ConfiguredVerifier extends TokenVerifier {
  /** Resolves once the keys are loaded (the dev key pair made when it is the one used); start-up awaits it. */
  ready: Promise<void>;
}

/**
 * The verifier the settings describe. Misconfiguration throws a ConfigError here, at once; making the
 * dev key pair (when it is the one used) happens in the background and `ready` says when it is done.
 */
export function verifierFromConfig(config: AuthConfig): ConfiguredVerifier {
  const auth = resolveAuth(config);
  const verifier = (async () => {
    const keys = 'devDir' in auth.keys ? { jwksFile: await ensureDevIssuer(auth.keys.devDir) } : auth.keys;
    return createTokenVerifier({ keys, issuer: auth.issuer, audience: auth.audience });
  })();
  // Awaited by `ready` and by every verify(); this keeps an early failure from being an unhandled rejection.
  verifier.catch(() => undefined);
  return {
    ready: verifier.then(() => undefined),
    verify: async (token) => (await verifier).verify(token),
  };
}
