import type { ErrorRequestHandler } from 'express';

/**
 * Kept only while app.ts still mounts it: the platform's error handler now answers every transient
 * database error with 503 + Retry-After in every service (isTransientDatabaseError in
 * @orderflow/platform), so this passes errors on unchanged. Delete it with its app.use().
 */
export const databaseErrors: ErrorRequestHandler = (err: unknown, _req, _res, next) => {
  next(err);
};
