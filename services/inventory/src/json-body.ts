// The inventory routes' request bodies: one integer field of a JSON object, checked by hand (the
// inventory API has no OpenAPI document), every problem named by its JSON pointer.
import type { Request } from 'express';
import { ApiError, validationFailed, type FieldIssue } from '@orderflow/platform';

/** Reads the one integer `field` (from `min` to `max`) a JSON object body must hold; 400 naming each problem otherwise. */
export function integerBody(req: Request, field: string, min: number, max: number): number {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError('VALIDATION_FAILED', `request body must be a JSON object with "${field}"`, {
      errors: [{ path: '', message: `must be an object with "${field}"` }],
    });
  }
  const issues: FieldIssue[] = [];
  for (const key of Object.keys(body))
    if (key !== field) issues.push({ path: `/${key}`, message: 'is not a known field' });
  const value = (body as Record<string, unknown>)[field];
  if (value === undefined) issues.push({ path: `/${field}`, message: 'is required' });
  else if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    issues.push({ path: `/${field}`, message: `must be an integer from ${min} to ${max}` });
  if (issues.length > 0) throw validationFailed(issues);
  return value as number;
}
