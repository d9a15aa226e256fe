/** Why the schema CLI could not do its job (as opposed to finding an incompatibility). */
export type SchemaCliErrorCode = 'USAGE' | 'UNUSABLE_INPUT' | 'REGISTRY' | 'GIT';

/** A failure the CLI reports in one line naming the problem and the place; exit code 2 (1 for REGISTRY rejections). */
export class SchemaCliError extends Error {
  override readonly name = 'SchemaCliError';
  constructor(
    readonly code: SchemaCliErrorCode,
    message: string,
    /** Process exit code: 2 = unusable input or environment, 1 = a check or registration was refused. */
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
  }
}
