// The development issuer: an ES256 key pair made on first use and kept in a git-ignored directory
// (default `.orderflow/dev-jwks/` at the repository root): `private.jwk.json` signs tokens (npm run
// token, npm start, the demo, the tests, the bench), `jwks.json` is what the services verify with when
// no AUTH_* setting is given outside production. Never for production: anyone with the checkout can mint.
import {
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';

/** The `iss` of dev tokens (the services' default AUTH_ISSUER in development and tests). */
export const DEV_ISSUER = 'orderflow-dev';
/** The `aud` of dev tokens (the services' default AUTH_AUDIENCE in development and tests). */
export const DEV_AUDIENCE = 'orderflow';
/** Where the dev keys live, relative to the repository root. */
export const DEV_JWKS_DIR = path.join('.orderflow', 'dev-jwks');
const KID = 'orderflow-dev-1';
const PRIVATE_FILE = 'private.jwk.json';
const PUBLIC_FILE = 'jwks.json';

/** The dev keys' directory of the checkout at `root`: AUTH_DEV_JWKS_DIR when `env` sets it (as the services read it). */
export function devJwksDir(root: string, env: Readonly<Record<string, string | undefined>> = {}): string {
  const set = env['AUTH_DEV_JWKS_DIR']?.trim();
  return set ? path.resolve(set) : path.join(root, DEV_JWKS_DIR);
}

/** The dev key files of `dir`. */
export function devJwksFiles(dir: string): { privateKey: string; jwks: string } {
  return { privateKey: path.join(dir, PRIVATE_FILE), jwks: path.join(dir, PUBLIC_FILE) };
}

function writeAtomically(file: string, text: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, file);
}

/**
 * Makes the dev key pair in `dir` unless it is there; returns the public JWKS file. Safe when several
 * processes start at once: the private key is published by hard link, which only the first can do, and
 * everyone derives the public file from the key that was kept.
 */
export async function ensureDevIssuer(dir: string): Promise<string> {
  const files = devJwksFiles(dir);
  if (existsSync(files.privateKey) && existsSync(files.jwks)) return files.jwks;
  mkdirSync(dir, { recursive: true });
  if (!existsSync(files.privateKey)) {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const priv: JWK = { ...(await exportJWK(privateKey)), kid: KID, alg: 'ES256', use: 'sig' };
    const tmp = `${files.privateKey}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(priv)}\n`, { mode: 0o600 });
    try {
      linkSync(tmp, files.privateKey);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      unlinkSync(tmp);
    }
  }
  const { d: _d, ...publicKey } = JSON.parse(readFileSync(files.privateKey, 'utf8')) as JWK;
  writeAtomically(files.jwks, `${JSON.stringify({ keys: [publicKey] }, null, 2)}\n`, 0o644);
  return files.jwks;
}

/** What a dev token says. */
export interface DevTokenClaims {
  /** The customer id (`sub`), e.g. `c-1`. */
  subject: string;
  /** e.g. ['admin'] or ['operator']. */
  scopes?: readonly string[];
  /** Lifetime in seconds (default 3600). */
  ttlSeconds?: number;
}

/** A dev issuer's signing function (the key is read once). */
export type DevTokenMinter = (claims: DevTokenClaims) => Promise<string>;

/** A minter signing with the dev key of `dir` (made first if missing). */
export async function devTokenMinter(dir: string): Promise<DevTokenMinter> {
  await ensureDevIssuer(dir);
  const jwk = JSON.parse(readFileSync(devJwksFiles(dir).privateKey, 'utf8')) as JWK;
  const key = await importJWK(jwk, 'ES256');
  return async ({ subject, scopes = [], ttlSeconds = 3600 }) => {
    const jwt = new SignJWT(scopes.length > 0 ? { scope: scopes.join(' ') } : {})
      .setProtectedHeader({ alg: 'ES256', kid: jwk.kid ?? KID, typ: 'JWT' })
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setSubject(subject)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds);
    return jwt.sign(key);
  };
}
