// Who may call each route of the payment service (the HTTP kit adds /health, /ready and /metrics).
import type { AccessRule } from '@orderflow/platform';

/** The payment service's access table: its API is for admins (customers see their order at the order API). */
export const ACCESS: readonly AccessRule[] = [{ method: 'GET', path: '/payments/:orderId', access: 'admin' }];
