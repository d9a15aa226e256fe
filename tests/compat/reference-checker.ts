// Runs Apache Avro's reference compatibility checker (Debian's python3-avro) over many pairs in one
// process, for the cross-check tests.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

/** Debian's interpreter: a pyenv `python3` earlier on PATH would not see the Debian package. */
export const DEBIAN_PYTHON = '/usr/bin/python3';
export const INSTALL_HINT = 'apt-get update && apt-get install -y python3-avro';

const SCRIPT = path.join(__dirname, 'avro-reference.py');

export type ReferenceVerdict = { readonly compatible: boolean } | { readonly error: string };

/** Throws with the install command when python3-avro is not importable by Debian's python3. */
export function assertReferenceAvailable(): void {
  const probe = spawnSync(DEBIAN_PYTHON, ['-c', 'import avro.compatibility'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(
      `Apache Avro's Python package is not available to ${DEBIAN_PYTHON} (${probe.error?.message ?? probe.stderr.trim()}); install it with: ${INSTALL_HINT}`,
    );
  }
}

/** The reference verdict for each pair (keyed by id), from one batch run of avro-reference.py. */
export function referenceVerdicts(
  cases: ReadonlyArray<{ id: number; reader: unknown; writer: unknown }>,
): Map<number, ReferenceVerdict> {
  const input =
    cases.map((c) => JSON.stringify({ id: c.id, reader: c.reader, writer: c.writer })).join('\n') + '\n';
  const run = spawnSync(DEBIAN_PYTHON, [SCRIPT], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (run.status !== 0)
    throw new Error(`avro-reference.py failed (exit ${String(run.status)}): ${run.stderr}`);
  const verdicts = new Map<number, ReferenceVerdict>();
  for (const line of run.stdout.split('\n')) {
    if (!line.trim()) continue;
    const { id, ...verdict } = JSON.parse(line) as { id: number } & ReferenceVerdict;
    verdicts.set(id, verdict);
  }
  return verdicts;
}
