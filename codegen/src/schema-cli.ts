// `npm run schema -- <command>`: register schemas, check compatibility against git and the registry,
// compare two schema files. Exit codes: 0 ok, 1 incompatible or refused, 2 unusable input.
import { checkCommand, CHECK_USAGE } from './schema/check-command';
import { compatCommand, COMPAT_USAGE } from './schema/compat-command';
import { checkRepositoryDrift } from './drift/rest-event-drift';
import { SchemaCliError } from './schema/errors';
import { impactCommand, IMPACT_USAGE } from './schema/impact-command';
import { findRoot } from './schema/inputs';
import { registerCommand, REGISTER_USAGE } from './schema/register-command';

const USAGE = `usage: npm run schema -- <command>
  ${REGISTER_USAGE}
  ${CHECK_USAGE}
  ${COMPAT_USAGE}
  ${IMPACT_USAGE}
  drift   (the OpenAPI order request/view against order_created; schemas/rest-event-mapping.json)
exit codes: 0 ok (impact: always), 1 incompatible (or refused by the registry), 2 unusable input`;

const print = (line: string) => process.stdout.write(`${line}\n`);

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'register':
      return registerCommand(rest, print);
    case 'check':
      return checkCommand(rest, print);
    case 'compat':
      return compatCommand(rest, print);
    case 'impact':
      return impactCommand(rest, print);
    case 'drift': {
      const problems = checkRepositoryDrift(findRoot());
      for (const p of problems) print(`drift: ${p}`);
      print(
        problems.length === 0 ? 'REST and event contracts agree.' : `${problems.length} drift problem(s).`,
      );
      return problems.length === 0 ? 0 : 1;
    }
    case 'help':
    case '--help':
    case '-h':
      print(USAGE);
      return 0;
    default:
      throw new SchemaCliError(
        'USAGE',
        `${command === undefined ? 'no command given' : `unknown command "${command}"`}\n${USAGE}`,
      );
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof SchemaCliError) {
      process.stderr.write(`schema: ${err.message}\n`);
      process.exitCode = err.exitCode;
    } else {
      process.stderr.write(
        `schema: unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 2;
    }
  },
);
