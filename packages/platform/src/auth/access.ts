// Who may call a route. Every route of a service is listed in one table (its `ACCESS` constant); the
// HTTP kit adds its own three (/health, /ready, /metrics) and refuses a request that the table does
// not grant. A request no rule matches still needs a valid token (an unknown route is 401 without one,
// 404 with one), so nothing is open by omission.

/**
 * - `public`: no token (only /health).
 * - `customer`: any valid token; the route scopes what it reads and writes to the token's subject.
 * - `operator`: a token with the `operator` or `admin` scope (/ready, /metrics).
 * - `admin`: a token with the `admin` scope (restocking, setting stock, the payment and notification APIs).
 */
export type Access = 'public' | 'customer' | 'operator' | 'admin';

/** The scopes a token may carry (in its space-separated `scope` claim). */
export const SCOPES = { admin: 'admin', operator: 'operator' } as const;

/** One row of a service's access table: an express route pattern (`/orders/:orderId`) and who may call it. */
export interface AccessRule {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  access: Access;
}

/** The HTTP kit's own routes. */
export const PLATFORM_ACCESS: readonly AccessRule[] = [
  { method: 'GET', path: '/health', access: 'public' },
  { method: 'GET', path: '/ready', access: 'operator' },
  { method: 'GET', path: '/metrics', access: 'operator' },
];

/** Which scopes grant an access level (empty: any valid token). */
export const GRANTING_SCOPES: Readonly<Record<Exclude<Access, 'public'>, readonly string[]>> = {
  customer: [],
  operator: [SCOPES.operator, SCOPES.admin],
  admin: [SCOPES.admin],
};

/** True when a caller with `scopes` may use a route of `access`. */
export function grants(access: Access, scopes: ReadonlySet<string>): boolean {
  if (access === 'public') return true;
  const needed = GRANTING_SCOPES[access];
  return needed.length === 0 || needed.some((s) => scopes.has(s));
}

interface CompiledRule extends AccessRule {
  pattern: RegExp;
}

/** Matches a request (method, path) to its rule; `undefined` when no rule names it. */
export type AccessMatcher = (method: string, path: string) => AccessRule | undefined;

/** Compiles an access table (express `:param` segments match one path segment). */
export function accessMatcher(rules: readonly AccessRule[]): AccessMatcher {
  const compiled: CompiledRule[] = rules.map((r) => ({
    ...r,
    pattern: new RegExp(
      `^${r.path
        .split('/')
        .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('/')}/?$`,
    ),
  }));
  return (method, path) => {
    // HEAD is answered by the GET route in express, so it needs what GET needs.
    const m = method === 'HEAD' ? 'GET' : method;
    const rule = compiled.find((r) => r.method === m && r.pattern.test(path));
    return rule && { method: rule.method, path: rule.path, access: rule.access };
  };
}
