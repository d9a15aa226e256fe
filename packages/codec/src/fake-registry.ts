import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake registry received. */
export interface FakeRegistryRequest {
  method: string;
  path: string;
}

/** Handle on a running {@link startFakeRegistry} server. */
export interface FakeRegistry {
  /** Base URL to give SchemaRegistryClient. */
  url: string;
  /** Every request received, in order. */
  requests: FakeRegistryRequest[];
  /** Registers directly (no HTTP, no check that references exist), returning the id; for arranging tests. */
  add(subject: string, schema: string, references?: FakeReference[]): number;
  /** Makes the next `count` requests answer `status` (e.g. 503) instead of being served. */
  failNext(status: number, count?: number): void;
  /** Delays every response by `ms` (concurrency and timeout tests). */
  setDelay(ms: number): void;
  close(): Promise<void>;
}

/** A reference as the registry API carries it. */
export interface FakeReference {
  name: string;
  subject: string;
  version: number;
}

/**
 * An in-process HTTP server speaking the subset of the Confluent Schema Registry API the client
 * uses. For UNIT tests of framing and caching only: it stores schema text and references verbatim
 * (a schema is identified by both, as Confluent's is) and does no compatibility checking;
 * integration tests use the real registry.
 */
export async function startFakeRegistry(options: { firstId?: number } = {}): Promise<FakeRegistry> {
  const subjects = new Map<string, { id: number; schema: string }[]>();
  // Keyed by text, or text + JSON of the references when there are some (see identity()).
  const schemas = new Map<number, string>();
  const referencesById = new Map<number, FakeReference[]>();
  const configs = new Map<string, string>();
  const requests: FakeRegistryRequest[] = [];
  let nextId = options.firstId ?? 1;
  let failures: { status: number; count: number } | undefined;
  let delay = 0;

  const identity = (id: number): string => {
    const refs = referencesById.get(id) ?? [];
    return refs.length === 0 ? schemas.get(id)! : `${schemas.get(id)!}\n${JSON.stringify(refs)}`;
  };
  const add = (subject: string, schema: string, references: FakeReference[] = []): number => {
    const wanted = references.length === 0 ? schema : `${schema}\n${JSON.stringify(references)}`;
    for (const id of schemas.keys()) {
      if (identity(id) === wanted) {
        const versions = subjects.get(subject) ?? [];
        if (!versions.some((v) => v.id === id)) versions.push({ id, schema });
        subjects.set(subject, versions);
        return id;
      }
    }
    const id = nextId++;
    schemas.set(id, schema);
    if (references.length > 0) referencesById.set(id, references);
    subjects.set(subject, [...(subjects.get(subject) ?? []), { id, schema }]);
    return id;
  };
  const withReferences = (id: number): { references?: FakeReference[] } => {
    const refs = referencesById.get(id);
    return refs === undefined ? {} : { references: refs };
  };

  const handle = (
    method: string,
    path: string,
    body: { schema?: string; compatibility?: string; references?: FakeReference[] },
  ): [number, unknown] => {
    let m: RegExpMatchArray | null;
    if (method === 'GET' && (m = path.match(/^\/schemas\/ids\/(\d+)$/))) {
      const schema = schemas.get(Number(m[1]));
      return schema === undefined
        ? [404, { error_code: 40403, message: 'Schema not found' }]
        : [200, { schema, ...withReferences(Number(m[1])) }];
    }
    if (method === 'GET' && path === '/subjects') return [200, [...subjects.keys()]];
    if (method === 'GET' && path === '/config') return [200, { compatibilityLevel: 'BACKWARD' }];
    if ((m = path.match(/^\/subjects\/([^/]+)\/versions$/))) {
      const subject = decodeURIComponent(m[1]!);
      if (method === 'POST') {
        for (const ref of body.references ?? []) {
          if (subjects.get(ref.subject)?.[ref.version - 1] === undefined)
            return [
              404,
              { error_code: 40402, message: `reference ${ref.subject} v${ref.version} not found` },
            ];
        }
        return [200, { id: add(subject, body.schema ?? '', body.references ?? []) }];
      }
      const versions = subjects.get(subject);
      return versions
        ? [200, versions.map((_, i) => i + 1)]
        : [404, { error_code: 40401, message: `Subject '${subject}' not found.` }];
    }
    if (method === 'GET' && (m = path.match(/^\/subjects\/([^/]+)\/versions\/(\d+|latest)$/))) {
      const subject = decodeURIComponent(m[1]!);
      const versions = subjects.get(subject) ?? [];
      const index = m[2] === 'latest' ? versions.length - 1 : Number(m[2]) - 1;
      const v = versions[index];
      return v
        ? [200, { subject, version: index + 1, id: v.id, schema: v.schema, ...withReferences(v.id) }]
        : [404, { error_code: 40402, message: 'Version not found.' }];
    }
    if (method === 'POST' && (m = path.match(/^\/subjects\/([^/]+)$/))) {
      const subject = decodeURIComponent(m[1]!);
      const versions = subjects.get(subject);
      if (!versions) return [404, { error_code: 40401, message: `Subject '${subject}' not found.` }];
      const refs = body.references ?? [];
      const wanted = refs.length === 0 ? body.schema : `${body.schema}\n${JSON.stringify(refs)}`;
      const index = versions.findIndex((v) => identity(v.id) === wanted);
      const v = versions[index];
      return v
        ? [200, { subject, version: index + 1, id: v.id, schema: v.schema, ...withReferences(v.id) }]
        : [404, { error_code: 40403, message: 'Schema not found' }];
    }
    if ((m = path.match(/^\/config\/([^/]+)$/))) {
      const subject = decodeURIComponent(m[1]!);
      if (method === 'PUT') {
        configs.set(subject, body.compatibility ?? '');
        return [200, { compatibility: body.compatibility }];
      }
      const level = configs.get(subject);
      return level === undefined
        ? [
            404,
            { error_code: 40408, message: 'Subject does not have subject-level compatibility configured' },
          ]
        : [200, { compatibilityLevel: level }];
    }
    // Confluent's answer for a path outside its API (e.g. Apicurio's /apis/ccompat/v7 prefix on its root).
    return [404, { error_code: 404, message: 'HTTP 404 Not Found' }];
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = req.method ?? 'GET';
      const path = (req.url ?? '/').split('?')[0]!;
      requests.push({ method, path });
      let status: number;
      let payload: unknown;
      if (failures && failures.count > 0) {
        failures.count -= 1;
        [status, payload] = [
          failures.status,
          { error_code: failures.status * 100, message: 'injected failure' },
        ];
      } else {
        const text = Buffer.concat(chunks).toString('utf8');
        [status, payload] = handle(
          method,
          path,
          text === '' ? {} : (JSON.parse(text) as { schema?: string }),
        );
      }
      setTimeout(() => {
        res.writeHead(status, { 'Content-Type': 'application/vnd.schemaregistry.v1+json' });
        res.end(JSON.stringify(payload));
      }, delay);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    add,
    failNext: (status, count = 1) => {
      failures = { status, count };
    },
    setDelay: (ms) => {
      delay = ms;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
