import { ApiError, type FieldIssue } from '@orderflow/platform';

/** A 400 problem listing every invalid field (path and message) in its detail and `errors`. */
export function validationFailed(issues: readonly FieldIssue[]): ApiError {
  const detail = issues.map((i) => `${i.path} ${i.message}`).join('; ');
  return new ApiError(
    'VALIDATION_FAILED',
    `${issues.length} invalid field${issues.length === 1 ? '' : 's'}: ${detail}`,
    { errors: [...issues] },
  );
}
