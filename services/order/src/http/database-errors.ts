import type { ErrorRequestHandler } from 'express';
import { ApiError } from '@orderflow/platform';

// Prisma's codes for "the database is busy or unreachable right now": no pooled connection in time
// (P2028, P2024), cannot reach or lost the server (P1001, P1002, P1008, P1017).
const TRANSIENT = new Set(['P2028', 'P2024', 'P1001', 'P1002', 'P1008', 'P1017']);

/** True for a database error a client should simply retry (overload or outage, not a bug). */
export function isTransientDatabaseError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'PrismaClientInitializationError') return true;
  const code = (err as { code?: unknown }).code;
  return err.name === 'PrismaClientKnownRequestError' && typeof code === 'string' && TRANSIENT.has(code);
}

/** Error middleware: a transient database failure becomes 503 problem+json (retry), never a bare 500. */
export const databaseErrors: ErrorRequestHandler = (err: unknown, _req, _res, next) => {
  next(
    isTransientDatabaseError(err)
      ? new ApiError('UNAVAILABLE', 'the order database is busy or unreachable; retry the request shortly')
      : err,
  );
};
