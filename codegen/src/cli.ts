// `npm run codegen [-- --check]`: generates packages/contracts from schemas/ (Avro + OpenAPI).
import fs from 'node:fs';
import path from 'node:path';
import { checkRepositoryDrift, MAPPING_FILE } from './drift/rest-event-drift';
import { CodegenError, formatProblem } from './generator/errors';
import { diffAgainstDisk, generate, writeFiles } from './generator/generate';

const USAGE = `usage: npm run codegen [-- --check] [--root <dir>] [--quiet]
  (no flag)  regenerate packages/contracts/src from schemas/
  --check    write nothing; exit 1 listing generated files that are stale
  --root     repository root (default: this checkout)
  --quiet    only print errors and the summary`;

interface Args {
  check: boolean;
  quiet: boolean;
  root: string;
}

function parseArgs(argv: string[]): Args | string {
  const args: Args = { check: false, quiet: false, root: path.resolve(__dirname, '..', '..') };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i]!;
    if (a === '--check') args.check = true;
    else if (a === '--quiet') args.quiet = true;
    else if (a === '--root') {
      const v = argv[(i += 1)];
      if (v === undefined) return '--root needs a directory';
      args.root = path.resolve(v);
    } else if (a === '--help' || a === '-h') return '';
    else return `unknown argument "${a}"`;
  }
  return args;
}

/** Runs the CLI; returns the exit code (0 ok, 1 stale or invalid input, 2 usage). */
export async function main(
  argv: string[],
  out: (line: string) => void = console.log,
  err: (line: string) => void = console.error,
): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    if (args !== '') err(`codegen: ${args}`);
    (args === '' ? out : err)(USAGE);
    return args === '' ? 0 : 2;
  }
  const started = Date.now();
  let files;
  try {
    files = await generate(args.root, { onSource: (file) => !args.quiet && out(`  read   ${file}`) });
  } catch (e) {
    if (e instanceof CodegenError) {
      err(
        `codegen: ${e.problems.length === 1 ? 'an input is invalid' : `${e.problems.length} input problems`}; generated code left untouched:`,
      );
      for (const p of e.problems) err(`  ${formatProblem(p)}`);
      return 1;
    }
    throw e;
  }
  const drift = diffAgainstDisk(args.root, files);
  if (args.check) {
    // REST ↔ event drift is part of the same CI gate (also `npm run schema -- drift`); a tree without
    // the mapping file (the generator's scratch fixtures) has no REST contract to compare.
    const apiDrift = fs.existsSync(path.join(args.root, MAPPING_FILE)) ? checkRepositoryDrift(args.root) : [];
    for (const p of apiDrift) err(`codegen --check: REST/event drift: ${p}`);
    if (apiDrift.length > 0) return 1;
    if (drift.changed.length === 0 && drift.stale.length === 0) {
      out(`codegen --check: ${files.length} generated files are up to date`);
      return 0;
    }
    err('codegen --check: generated code is stale; run `npm run codegen` and commit the result:');
    for (const p of drift.changed) err(`  stale   ${p}`);
    for (const p of drift.stale) err(`  extra   ${p} (no longer generated)`);
    return 1;
  }
  writeFiles(args.root, files, drift);
  if (!args.quiet) {
    for (const f of files) out(`  ${drift.changed.includes(f.path) ? 'wrote ' : 'same  '} ${f.path}`);
    for (const p of drift.stale) out(`  removed ${p}`);
  }
  out(
    `codegen: ${files.length} files, ${drift.changed.length} changed, ${drift.stale.length} removed (${Date.now() - started} ms)`,
  );
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error('codegen: internal error:', e);
      process.exitCode = 1;
    },
  );
}
