import { checkFlags } from './options';

const saga = { valued: ['--rates', '--seconds'], switches: ['--quick'] };

describe('checkFlags', () => {
  it('asks for help wherever --help or -h stands, before anything runs', () => {
    expect(checkFlags('saga', ['--help'], saga)).toEqual({ help: true });
    expect(checkFlags('saga', ['--rates', '50', '-h'], saga)).toEqual({ help: true });
  });

  it('accepts the flags a benchmark takes', () => {
    expect(checkFlags('saga', ['--rates', '50,100', '--quick', '--seconds', '60'], saga)).toEqual({
      help: false,
    });
  });

  it('refuses an unknown flag, naming it and what the benchmark takes', () => {
    expect(() => checkFlags('saga', ['--rate', '50'], saga)).toThrow(
      'saga: unknown option "--rate" (it takes: --rates, --seconds, --quick)',
    );
  });

  it('refuses a valued flag without its value', () => {
    expect(() => checkFlags('saga', ['--seconds'], saga)).toThrow('saga: --seconds needs a value');
    expect(() => checkFlags('saga', ['--rates', '--quick'], saga)).toThrow('saga: --rates needs a value');
  });
});
