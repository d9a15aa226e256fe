/** Why code generation stopped; every code means "fix the input", none is a generator bug. */
export type CodegenErrorCode = 'TOPIC_TABLE' | 'INVALID_AVRO' | 'INVALID_OPENAPI' | 'CONFLICT';

/** One problem in an input file, located as precisely as the generator can. */
export interface CodegenProblem {
  /** File relative to the repository root, e.g. `schemas/avro/order_created.avsc`. */
  file: string;
  /** Path inside the file, e.g. `fields[3].type.items` or `topics[1].producer`; '' for the whole file. */
  path: string;
  reason: string;
}

/** Code generation failed; `problems` lists every input problem found, each with file and path. */
export class CodegenError extends Error {
  override readonly name = 'CodegenError';
  readonly code: CodegenErrorCode;
  readonly problems: readonly CodegenProblem[];

  constructor(code: CodegenErrorCode, problems: readonly CodegenProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.code = code;
    this.problems = problems;
  }
}

/** `file: at path: reason` (the path omitted when the problem is the whole file). */
export function formatProblem(p: CodegenProblem): string {
  return `${p.file}: ${p.path === '' ? '' : `at ${p.path}: `}${p.reason}`;
}
