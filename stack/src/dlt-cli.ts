// `npm run dlt -- list | show <topic> [--offset n|p:n] [--limit n] | replay <topic> (--offset n|p:n | --all)`
import { DeadLetters, dltSettings, parseOffsetRef, type OffsetRef } from './dlt';
import { StackError } from './errors';

const USAGE = `usage: npm run dlt -- <command>

  list                                   every <topic>.DLT: messages, how many are not replayed yet,
                                         the newest, and the latest error codes
  show <topic> [--offset n|p:n] [--limit n]
                                         messages with their headers and the value decoded through the
                                         registry (default: the newest 20)
  replay <topic> --offset n|p:n          re-validate against the current schema and produce back to
  replay <topic> --all                   <topic> (same key, value and headers + dlt-replayed-from);
                                         what still does not decode/validate is reported (exit 1)

<topic> is a topic of schemas/topics.json (order_created) or its DLT (order_created.DLT); an offset is
"n" (the partition holding it) or "p:n" (partition p). Replays are recorded in the consumer group
orderflow-dlt-replay, so nothing is sent twice. Connects to KAFKA_BROKERS (localhost:9092) and
SCHEMA_REGISTRY_URL (http://localhost:8081/apis/ccompat/v7), like the services.`;

interface Parsed {
  command: string | undefined;
  positional: string[];
  offset?: OffsetRef;
  limit?: number;
  all: boolean;
}

function parse(argv: readonly string[]): Parsed {
  const [command, ...rest] = argv;
  const parsed: Parsed = { command, positional: [], all: false };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] ?? '';
    const m = /^(--offset|--limit)(?:=(.*))?$/.exec(a);
    if (m !== null) {
      const value = m[2] ?? rest[++i];
      if (value === undefined) throw new StackError('BAD_USAGE', `${m[1]} needs a value\n\n${USAGE}`);
      if (m[1] === '--offset') parsed.offset = parseOffsetRef(value);
      else if (/^\d+$/.test(value) && Number(value) > 0) parsed.limit = Number(value);
      else throw new StackError('BAD_USAGE', `--limit takes a positive number, got "${value}"`);
    } else if (a === '--all') parsed.all = true;
    else if (a.startsWith('-')) throw new StackError('BAD_USAGE', `unknown option ${a}\n\n${USAGE}`);
    else parsed.positional.push(a);
  }
  return parsed;
}

async function main(argv: string[]): Promise<number> {
  const p = parse(argv);
  if (p.command === undefined || p.command === 'help' || p.command === '--help' || p.command === '-h') {
    console.log(USAGE);
    return p.command === undefined ? 2 : 0;
  }
  const tool = new DeadLetters(dltSettings());
  const topic = (): string => {
    if (p.positional.length !== 1)
      throw new StackError('BAD_USAGE', `"${p.command}" takes one topic, e.g. order_created\n\n${USAGE}`);
    return p.positional[0] as string;
  };
  switch (p.command) {
    case 'list':
      if (p.positional.length > 0 || p.offset !== undefined || p.all)
        throw new StackError('BAD_USAGE', `"list" takes no arguments\n\n${USAGE}`);
      return tool.list();
    case 'show':
      if (p.all) throw new StackError('BAD_USAGE', `"show" does not take --all\n\n${USAGE}`);
      return tool.show(topic(), {
        ...(p.offset && { offset: p.offset }),
        ...(p.limit && { limit: p.limit }),
      });
    case 'replay':
      if (p.limit !== undefined)
        throw new StackError('BAD_USAGE', `"replay" does not take --limit\n\n${USAGE}`);
      return tool.replay(topic(), { ...(p.offset && { offset: p.offset }), all: p.all });
    default:
      throw new StackError('BAD_USAGE', `unknown command "${p.command}"\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof StackError) {
      console.error(`dlt: ${err.message}`);
      process.exit(err.code === 'BAD_USAGE' ? 2 : 1);
    }
    console.error('dlt: unexpected failure:', err);
    process.exit(1);
  },
);
