// Who may call each route of the console (the HTTP kit adds /health, /ready and /metrics). The page and its
// two static files are public (they hold no data); every /api route is for admins: the console shows
// dead letters in clear (personal data) and replays them.
import type { AccessRule } from '@orderflow/platform';

/** The static files of the page, by route. */
export const PAGE_FILES = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
} as const;

/** The console's access table. */
export const ACCESS: readonly AccessRule[] = [
  ...Object.keys(PAGE_FILES).map((path): AccessRule => ({ method: 'GET', path, access: 'public' })),
  { method: 'GET', path: '/api/orders', access: 'admin' },
  { method: 'GET', path: '/api/orders/:orderId', access: 'admin' },
  { method: 'GET', path: '/api/topology', access: 'admin' },
  { method: 'GET', path: '/api/health', access: 'admin' },
  { method: 'GET', path: '/api/dead-letters', access: 'admin' },
  { method: 'GET', path: '/api/dead-letters/:topic', access: 'admin' },
  { method: 'POST', path: '/api/dead-letters/:topic/replay', access: 'admin' },
  { method: 'GET', path: '/api/subjects', access: 'admin' },
  { method: 'GET', path: '/api/subjects/:subject/diff', access: 'admin' },
  { method: 'GET', path: '/api/reference', access: 'admin' },
];
