import { parseTokenArgs, parseTtl, TokenArgsError } from './token-args';

test('--customer, --scope (repeated or comma-separated) and --ttl', () => {
  expect(parseTokenArgs(['--customer', 'c-1'])).toEqual({ customer: 'c-1', scopes: [], ttlSeconds: 3600 });
  expect(parseTokenArgs(['--customer=c-2', '--scope', 'admin,operator', '--ttl', '30m'])).toEqual({
    customer: 'c-2',
    scopes: ['admin', 'operator'],
    ttlSeconds: 1800,
  });
  expect(parseTokenArgs(['--help'])).toBe('help');
  expect(parseTtl('7d')).toBe(7 * 86_400);
});

test.each([
  [[], '--customer is required'],
  [['--customer'], '--customer needs a value'],
  [['--customer', 'c 1'], 'is not an id'],
  [['--customer', 'c-1', '--scope', 'root'], 'is not one of admin, operator'],
  [['--customer', 'c-1', '--ttl', 'forever'], 'is not a duration'],
  [['--customer', 'c-1', '--ttl', '31d'], 'out of range'],
  [['--customer', 'c-1', '--bogus'], 'unknown argument'],
])('%j is refused: %s', (argv, message) => {
  expect(() => parseTokenArgs(argv)).toThrow(TokenArgsError);
  expect(() => parseTokenArgs(argv)).toThrow(message);
});
