// Who may call each route of the order service (the HTTP kit adds /health, /ready and /metrics).
// Customers see and place only their own orders: the routes scope by the token's subject.
import type { AccessRule } from '@orderflow/platform';

/** The order service's access table. */
export const ACCESS: readonly AccessRule[] = [
  { method: 'POST', path: '/orders', access: 'customer' },
  { method: 'GET', path: '/orders', access: 'customer' },
  { method: 'GET', path: '/orders/:orderId', access: 'customer' },
];
