/** Every way the local stack can fail; each code maps to a message that says what to do next. */
export type StackErrorCode =
  | 'JAVA_MISSING'
  | 'MAVEN_MISSING'
  | 'DOWNLOAD_FAILED'
  | 'PORT_TAKEN'
  | 'START_FAILED'
  | 'NOT_READY'
  | 'SERVICE_MISSING'
  | 'BAD_CONFIG'
  | 'NOT_FOUND'
  | 'BAD_USAGE';

/** A failure of the stack command with an actionable message (never a bare stack trace). */
export class StackError extends Error {
  override readonly name = 'StackError';
  constructor(
    readonly code: StackErrorCode,
    message: string,
  ) {
    super(message);
  }
}
