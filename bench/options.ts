// The bench's command-line options: each benchmark names the flags it takes, and anything else is
// refused before a benchmark starts (a mistyped or unsupported flag used to be ignored, so
// `npm run bench -- saga --help` ran the whole 30-minute default benchmark).

/** A benchmark's flags: those that take a value and those that stand alone. */
export interface FlagSpec {
  valued: readonly string[];
  switches?: readonly string[];
}

/** What `checkFlags` found: a request for help, or the options are usable. */
export type FlagCheck = { help: true } | { help: false };

/** Throws on a flag the benchmark does not take or a valued flag without its value. */
export function checkFlags(benchmark: string, args: readonly string[], spec: FlagSpec): FlagCheck {
  if (args.includes('--help') || args.includes('-h')) return { help: true };
  const switches = spec.switches ?? [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (spec.valued.includes(arg)) {
      const value = args[i + 1];
      if (value === undefined || value.startsWith('--'))
        throw new Error(`${benchmark}: ${arg} needs a value`);
      i++;
    } else if (!switches.includes(arg)) {
      const known = [...spec.valued, ...switches].join(', ') || 'none';
      throw new Error(`${benchmark}: unknown option ${JSON.stringify(arg)} (it takes: ${known})`);
    }
  }
  return { help: false };
}
