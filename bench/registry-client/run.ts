// The registry-client benchmark: our hand-written SchemaRegistryClient (packages/codec) against
// @kafkajs/confluent-schema-registry 3.9 for registration, id lookups and schema-by-id, and the
// generated codec against the library's encode/decode, with the machine's own baselines (JSON and a
// bare loopback HTTP round trip) in the same run. Needs no registry and no network: both clients talk
// to the in-process fake registry (@orderflow/codec/testing) on 127.0.0.1, behind a small proxy that
// serves it under Apicurio's ccompat path and demands basic auth, so each client also proves it
// works there.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { SchemaRegistryClient, basicAuthorization, logicalTypes } from '@orderflow/codec';
import type { TopicCodec } from '@orderflow/codec';
import { startFakeRegistry } from '@orderflow/codec/testing';
import { topicDescriptors } from '@orderflow/contracts';
import { sampleEvents } from '../codec/run';

/** Options of the registry-client benchmark. */
export interface RegistryClientBenchOptions {
  /** Events per topic for the codec rows. */
  messages: number;
  /** Repeated (warm) lookups per operation. */
  lookups: number;
  reportDir: string;
  log: (line: string) => void;
}

const PREFIX = '/apis/ccompat/v7';
const AUTH = { username: 'bench', password: 'bench-secret' };

/** One operation of one client: HTTP requests and CPU µs per call, cold (first call) and warm (cached). */
interface LookupRow {
  operation: string;
  client: 'ours' | 'library';
  coldRequests: number;
  coldMs: number;
  warmRequestsPerCall: number;
  warmMicrosPerCall: number;
}

interface CodecRow {
  topic: string;
  /** encode+decode pairs per CPU second. */
  generated: number;
  libraryReader: number;
  libraryWriterOnly: number;
  json: number;
}

/** The whole report. */
export interface RegistryClientBenchReport {
  generatedAt: string;
  node: string;
  cpus: number;
  loadAverage: number[];
  messages: number;
  lookups: number;
  /** The machine's floor: one bare fetch round trip to the loopback proxy, µs of wall time (median of 200). */
  loopbackRoundTripMicros: number;
  /** Requests refused by the proxy for a missing or wrong Authorization header (target 0). */
  unauthorized: number;
  lookupsTable: LookupRow[];
  codec: CodecRow[];
}

const cpuMicros = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function cpuPerCall(calls: number, run: () => Promise<unknown>): Promise<number> {
  const start = cpuMicros();
  for (let i = 0; i < calls; i += 1) await run();
  return (cpuMicros() - start) / calls;
}

/** Runs the benchmark, writes bench/reports/registry-client.{md,json} and returns the report. */
export async function runRegistryClientBench(
  opts: RegistryClientBenchOptions,
): Promise<RegistryClientBenchReport> {
  const fake = await startFakeRegistry();
  let forwarded = 0;
  let unauthorized = 0;
  const expected = basicAuthorization(AUTH);
  // Apicurio's path and a registry that wants credentials, in front of the fake.
  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      if (url !== '/ping' && req.headers.authorization !== expected) {
        unauthorized += 1;
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error_code":401,"message":"auth"}');
        return;
      }
      if (url === '/ping') return void res.end('{}');
      if (!url.startsWith(PREFIX)) return void res.writeHead(404).end('{"error_code":404,"message":"path"}');
      forwarded += 1;
      const body = Buffer.concat(chunks);
      fetch(`${fake.url}${url.slice(PREFIX.length)}`, {
        method: req.method ?? 'GET',
        headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
        ...(body.length > 0 ? { body } : {}),
      })
        .then(async (r) =>
          res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text()),
        )
        .catch((err: unknown) => res.writeHead(502).end(JSON.stringify({ message: String(err) })));
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const registryUrl = `${base}${PREFIX}`;

  try {
    // The machine's floor for any registry call: a bare loopback round trip, no registry behind it.
    const trips: number[] = [];
    for (let i = 0; i < 200; i += 1) {
      const t = process.hrtime.bigint();
      await (await fetch(`${base}/ping`)).text();
      trips.push(Number(process.hrtime.bigint() - t) / 1000);
    }
    trips.sort((a, b) => a - b);
    const loopbackRoundTripMicros = Math.round(trips[100]!);

    const descriptors = Object.values(topicDescriptors);
    const rows: LookupRow[] = [];
    const measure = async (
      operation: string,
      client: 'ours' | 'library',
      cold: () => Promise<unknown>,
      warm: () => Promise<unknown>,
    ): Promise<void> => {
      let before = forwarded;
      const started = performance.now();
      await cold();
      const coldMs = Math.round((performance.now() - started) * 10) / 10;
      const coldRequests = forwarded - before;
      before = forwarded;
      const micros = await cpuPerCall(opts.lookups, warm);
      rows.push({
        operation,
        client,
        coldRequests,
        coldMs,
        warmRequestsPerCall: (forwarded - before) / opts.lookups,
        warmMicrosPerCall: Math.round(micros * 100) / 100,
      });
    };

    // Each client starts empty; the fake keeps what the first registered, so the second sees the same ids.
    const ours = new SchemaRegistryClient({ url: registryUrl, auth: AUTH });
    const library = new SchemaRegistry(
      { host: registryUrl, auth: AUTH },
      { [SchemaType.AVRO]: { logicalTypes } },
    );
    const subjects = descriptors.map((d) => ({
      subject: d.subject,
      text: (d.codec(ours) as TopicCodec<unknown, unknown>).schemaText,
    }));
    const registerAll = {
      ours: () => Promise.all(subjects.map((s) => ours.register(s.subject, s.text))),
      library: () =>
        Promise.all(
          subjects.map((s) =>
            library.register({ type: SchemaType.AVRO, schema: s.text }, { subject: s.subject }),
          ),
        ),
    };
    await measure('register every topic schema', 'ours', registerAll.ours, registerAll.ours);
    await measure('register every topic schema', 'library', registerAll.library, registerAll.library);

    const first = subjects[0]!;
    const id = await ours.register(first.subject, first.text);
    const freshOurs = new SchemaRegistryClient({ url: registryUrl, auth: AUTH });
    const freshLibrary = new SchemaRegistry(
      { host: registryUrl, auth: AUTH },
      { [SchemaType.AVRO]: { logicalTypes } },
    );
    await measure(
      'id of a schema under its subject',
      'ours',
      () => freshOurs.lookup(first.subject, first.text),
      () => freshOurs.lookup(first.subject, first.text),
    );
    await measure(
      'id of a schema under its subject',
      'library',
      () => freshLibrary.getRegistryIdBySchema(first.subject, { type: SchemaType.AVRO, schema: first.text }),
      () => freshLibrary.getRegistryIdBySchema(first.subject, { type: SchemaType.AVRO, schema: first.text }),
    );
    await measure(
      'schema by id',
      'ours',
      () => freshOurs.getSchemaById(id),
      () => freshOurs.getSchemaById(id),
    );
    await measure(
      'schema by id',
      'library',
      () => freshLibrary.getSchema(id),
      () => freshLibrary.getSchema(id),
    );

    // The codec path: what a producer and a consumer pay per event once ids and schemas are cached.
    const codec: CodecRow[] = [];
    for (const d of descriptors) {
      const c = d.codec(ours) as TopicCodec<unknown, unknown>;
      const events = sampleEvents(c, d.topic, opts.messages);
      const schemaId = await c.schemaId();
      const reader = { [SchemaType.AVRO]: { readerSchema: d.schema } } as Parameters<
        SchemaRegistry['decode']
      >[1];
      for (const e of events.slice(0, 500)) {
        await c.decode(await c.encode(e));
        await library.decode(await library.encode(schemaId, e), reader);
        await library.decode(await library.encode(schemaId, e));
      }
      const perSec = async (run: (e: Record<string, unknown>) => Promise<unknown>): Promise<number> => {
        const start = cpuMicros();
        for (const e of events) await run(e);
        return Math.round((events.length / (cpuMicros() - start)) * 1e6);
      };
      codec.push({
        topic: d.topic,
        generated: await perSec(async (e) => c.decode(await c.encode(e))),
        libraryReader: await perSec(async (e) => library.decode(await library.encode(schemaId, e), reader)),
        libraryWriterOnly: await perSec(async (e) => library.decode(await library.encode(schemaId, e))),
        json: await perSec((e) => Promise.resolve(JSON.parse(JSON.stringify(e)))),
      });
      opts.log(`  ${d.topic.padEnd(20)} ${JSON.stringify(codec.at(-1))}`);
    }

    const report: RegistryClientBenchReport = {
      generatedAt: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
      messages: opts.messages,
      lookups: opts.lookups,
      loopbackRoundTripMicros,
      unauthorized,
      lookupsTable: rows,
      codec,
    };
    fs.mkdirSync(opts.reportDir, { recursive: true });
    fs.writeFileSync(
      path.join(opts.reportDir, 'registry-client.json'),
      `${JSON.stringify(report, null, 2)}\n`,
    );
    fs.writeFileSync(path.join(opts.reportDir, 'registry-client.md'), renderMarkdown(report));
    return report;
  } finally {
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
    await fake.close();
  }
}

/** The report as a markdown page. */
export function renderMarkdown(r: RegistryClientBenchReport): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  const lookups = r.lookupsTable.map(
    (l) =>
      `| ${l.operation} | ${l.client} | ${l.coldRequests} | ${l.coldMs} | ${l.warmRequestsPerCall} | ${l.warmMicrosPerCall} |`,
  );
  const codec = r.codec.map(
    (c) =>
      `| ${c.topic} | ${n(c.generated)} | ${n(c.libraryReader)} | ${n(c.libraryWriterOnly)} | ${n(c.json)} | ${Math.round((c.generated / c.libraryReader) * 10) / 10}× |`,
  );
  return `# Registry client benchmark

\`npm run bench -- registry-client\` — ${r.generatedAt}, Node ${r.node}, ${r.cpus} CPUs (load average
${r.loadAverage.join(' / ')} at the end). No registry and no network: both clients talk to the in-process
fake registry on 127.0.0.1 through a proxy serving Apicurio's \`/apis/ccompat/v7\` path and demanding basic
auth (requests refused for missing credentials: ${r.unauthorized}). Machine baseline in the same run: a
bare loopback HTTP round trip takes ${r.loopbackRoundTripMicros} µs (median of 200).

## Registration and lookups

"ours" is \`SchemaRegistryClient\` (packages/codec); "library" is @kafkajs/confluent-schema-registry 3.9.
Cold: the first call on an empty client (requests that reached the registry, wall ms). Warm: ${n(r.lookups)}
more identical calls (requests per call, CPU µs per call).

| operation | client | cold requests | cold ms | warm requests per call | warm CPU µs per call |
| --- | --- | ---: | ---: | ---: | ---: |
${lookups.join('\n')}

## Encode + decode (${n(r.messages)} distinct events per topic, pairs per CPU second)

| topic | generated codec | library, reader schema | library, writer only | JSON (baseline) | generated ÷ library reader |
| --- | ---: | ---: | ---: | ---: | ---: |
${codec.join('\n')}
`;
}
