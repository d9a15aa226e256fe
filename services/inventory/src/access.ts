// Who may call each route of the inventory service (the HTTP kit adds /health, /ready and /metrics).
import type { AccessRule } from '@orderflow/platform';

/** The inventory service's access table: anyone signed in reads a stock level or a price; changing one is for admins. */
export const ACCESS: readonly AccessRule[] = [
  { method: 'GET', path: '/inventory/:sku', access: 'customer' },
  { method: 'POST', path: '/inventory/:sku/restock', access: 'admin' },
  { method: 'PUT', path: '/inventory/:sku', access: 'admin' },
  { method: 'GET', path: '/inventory/:sku/prices', access: 'customer' },
  // The price is what every order is charged: only an admin sets it.
  { method: 'PUT', path: '/inventory/:sku/prices/:currency', access: 'admin' },
];
