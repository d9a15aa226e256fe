// Who may call each route of the inventory service (the HTTP kit adds /health, /ready and /metrics).
import type { AccessRule } from '@orderflow/platform';

/** The inventory service's access table: anyone signed in reads a stock level; changing one is for admins. */
export const ACCESS: readonly AccessRule[] = [
  { method: 'GET', path: '/inventory/:sku', access: 'customer' },
  { method: 'POST', path: '/inventory/:sku/restock', access: 'admin' },
  { method: 'PUT', path: '/inventory/:sku', access: 'admin' },
];
