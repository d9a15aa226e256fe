// `npm run token -- --customer c-1 [--scope admin] [--ttl 1h]`: prints a bearer token from the
// development issuer (the key pair in .orderflow/dev-jwks/, made on first use), which the services
// trust by default outside production. Only the token goes to stdout: TOKEN=$(npm run -s token -- ...).
import path from 'node:path';
import { devJwksDir, devTokenMinter } from '@orderflow/platform';
import { parseTokenArgs, TOKEN_USAGE, TokenArgsError } from './token-args';

const root = path.resolve(__dirname, '..', '..');

async function main(argv: string[]): Promise<number> {
  let request;
  try {
    request = parseTokenArgs(argv);
  } catch (err) {
    if (!(err instanceof TokenArgsError)) throw err;
    console.error(`token: ${err.message}\n${TOKEN_USAGE}`);
    return 2;
  }
  if (request === 'help') {
    console.log(TOKEN_USAGE);
    return 0;
  }
  const mint = await devTokenMinter(devJwksDir(root, process.env));
  console.log(
    await mint({ subject: request.customer, scopes: request.scopes, ttlSeconds: request.ttlSeconds }),
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`token: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
