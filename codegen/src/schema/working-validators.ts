// The generated validators of the working tree's schemas (not the committed @orderflow/contracts, which may
// lag an edited .avsc): the generator emits them in memory, they are loaded from a temporary folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ValidationIssue } from '@orderflow/codec';
import { emitAvroModules } from '../generator/emit-avro';
import { CodegenError, formatProblem } from '../generator/errors';
import { generatorVersion, GEN_DIR, loadAvroInputs } from '../generator/generate';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

type Validate = (value: unknown) => ValidationIssue[];

/** Each topic's generated `validate`, or why they could not be generated (the sample then says so). */
export function workingTreeValidators(root: string): { validators: Map<string, Validate>; problem?: string } {
  let dir: string | undefined;
  try {
    const { table, topics, shared } = loadAvroInputs(root);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-sample-'));
    // The generated modules import @orderflow/codec: resolve it from this repository's node_modules.
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    for (const f of emitAvroModules(generatorVersion(), table, topics, shared)) {
      fs.mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
      fs.writeFileSync(path.join(dir, f.path), f.contents);
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module is generated just now
    const gen = require(path.join(dir, GEN_DIR, 'topics.ts')) as {
      topicDescriptors: Record<string, { validate: Validate }>;
    };
    const validators = new Map<string, Validate>();
    for (const [topic, d] of Object.entries(gen.topicDescriptors))
      validators.set(topic, (v) => d.validate(v));
    return { validators };
  } catch (err) {
    const reason =
      err instanceof CodegenError ? err.problems.map(formatProblem).join('; ') : (err as Error).message;
    return { validators: new Map(), problem: `the generated validators could not be built (${reason})` };
  } finally {
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  }
}
