// Bearer tokens for the int, e2e and fault suites and the bench: minted with the development issuer
// (the key pair in .orderflow/dev-jwks/, or AUTH_DEV_JWKS_DIR), which the services trust outside
// production. Tokens are cached per subject and scopes, and live 12 h (longer than any suite).
import path from 'node:path';
import {
  createTokenVerifier,
  DEV_AUDIENCE,
  DEV_ISSUER,
  devJwksDir,
  devTokenMinter,
  ensureDevIssuer,
  type DevTokenMinter,
  type TokenVerifier,
} from '@orderflow/platform';

const ROOT = path.resolve(__dirname, '../..');
const TTL_SECONDS = 12 * 3600;

let minter: Promise<DevTokenMinter> | undefined;
const tokens = new Map<string, Promise<string>>();

/** A token for `subject` (a customer id) with `scopes`. */
export function tokenFor(subject: string, scopes: readonly string[] = []): Promise<string> {
  const id = `${subject} ${[...scopes].sort().join(',')}`;
  let token = tokens.get(id);
  if (token === undefined) {
    minter ??= devTokenMinter(devJwksDir(ROOT, process.env));
    token = minter.then((mint) => mint({ subject, scopes, ttlSeconds: TTL_SECONDS }));
    tokens.set(id, token);
  }
  return token;
}

/** The subject of the suites' admin token. */
export const ADMIN_SUBJECT = 'orderflow-test-admin';

/** `{ authorization: 'Bearer …' }` for `subject` with `scopes`, to spread into fetch headers. */
export async function bearer(
  subject: string,
  scopes: readonly string[] = [],
): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await tokenFor(subject, scopes)}` };
}

/** Headers of an admin (restock, set stock, the payment and notification APIs; also /ready and /metrics). */
export function adminHeaders(): Promise<{ authorization: string }> {
  return bearer(ADMIN_SUBJECT, ['admin']);
}

/** Headers of an operator (/ready, /metrics). */
export function operatorHeaders(): Promise<{ authorization: string }> {
  return bearer('orderflow-test-operator', ['operator']);
}

/** A verifier of dev-issuer tokens, for tests that assemble an HTTP app themselves (createHttpApp's `auth`). */
export async function devVerifier(): Promise<TokenVerifier> {
  const jwksFile = await ensureDevIssuer(devJwksDir(ROOT, process.env));
  return createTokenVerifier({ keys: { jwksFile }, issuer: DEV_ISSUER, audience: DEV_AUDIENCE });
}
