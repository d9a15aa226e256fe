// Who may call each route of the notification service (the HTTP kit adds /health, /ready and /metrics).
import type { AccessRule } from '@orderflow/platform';

/** The notification service's access table: its API is for admins. */
export const ACCESS: readonly AccessRule[] = [{ method: 'GET', path: '/notifications', access: 'admin' }];
