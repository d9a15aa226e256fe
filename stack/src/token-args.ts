// `npm run token` arguments: who the token is for, its scopes and its lifetime. Parsed apart from the
// CLI so a mistake is a message and exit code 2, tested without minting anything.

/** What to mint. */
export interface TokenRequest {
  customer: string;
  scopes: string[];
  ttlSeconds: number;
}

/** The usage text printed by --help and after a mistake. */
export const TOKEN_USAGE = `usage: npm run token -- --customer <id> [--scope admin|operator]... [--ttl 1h]
  --customer <id>   the token's subject (sub): the customer whose orders it reads and places, e.g. c-1
  --scope <scope>   admin (restock, set stock, payment and notification APIs; also operator routes) or
                    operator (/ready, /metrics); repeat or separate with commas for several
  --ttl <duration>  lifetime: <n>s, <n>m, <n>h or <n>d (default 1h, at most 30d)
Prints a bearer token signed by the development issuer (.orderflow/dev-jwks/).`;

const KNOWN_SCOPES = ['admin', 'operator'];
const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };
const MAX_TTL_SECONDS = 30 * 86_400;

/** Thrown for arguments the CLI refuses; the message says what to change. */
export class TokenArgsError extends Error {
  override readonly name = 'TokenArgsError';
}

/** `1h` → 3600; throws TokenArgsError for anything else. */
export function parseTtl(text: string): number {
  const m = /^(\d{1,7})([smhd])$/.exec(text);
  if (m === null)
    throw new TokenArgsError(`--ttl ${JSON.stringify(text)} is not a duration like 30m, 1h or 7d`);
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2]!]!;
  if (seconds < 1 || seconds > MAX_TTL_SECONDS)
    throw new TokenArgsError(`--ttl ${text} is out of range (1s to 30d)`);
  return seconds;
}

/** Parses the arguments; `help` when --help/-h was given. */
export function parseTokenArgs(argv: readonly string[]): TokenRequest | 'help' {
  let customer: string | undefined;
  const scopes: string[] = [];
  let ttlSeconds = 3600;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return 'help';
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '' || (inline === undefined && v.startsWith('--')))
        throw new TokenArgsError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--customer':
      case '--sub':
        customer = value();
        if (!/^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$/.test(customer))
          throw new TokenArgsError(
            `--customer ${JSON.stringify(customer)} is not an id (letters, digits and . _ @ : -, up to 128)`,
          );
        break;
      case '--scope':
        for (const s of value()
          .split(/[,\s]+/)
          .filter(Boolean)) {
          if (!KNOWN_SCOPES.includes(s))
            throw new TokenArgsError(`--scope ${JSON.stringify(s)} is not one of ${KNOWN_SCOPES.join(', ')}`);
          if (!scopes.includes(s)) scopes.push(s);
        }
        break;
      case '--ttl':
        ttlSeconds = parseTtl(value());
        break;
      default:
        throw new TokenArgsError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  if (customer === undefined) throw new TokenArgsError('--customer is required (e.g. --customer c-1)');
  return { customer, scopes, ttlSeconds };
}
