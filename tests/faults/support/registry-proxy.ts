// An HTTP proxy in front of the real schema registry that can answer schema-id lookups with the
// registry's own "not found" (404, error_code 40403) for a while, as a registry does that lost or has
// not yet replicated a schema. Everything else is forwarded unchanged to the real registry.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running proxy: point a service's SCHEMA_REGISTRY_URL at `url`. */
export interface RegistryProxy {
  /** The Confluent-compatible base URL through the proxy (same path as the real one). */
  url: string;
  /** While true, `GET …/schemas/ids/<id>` answers 404 with error_code 40403. */
  notFound: boolean;
  /** How many 404s it served. */
  served404: number;
  close(): Promise<void>;
}

/** Starts a proxy for `registryUrl` (e.g. http://localhost:8081/apis/ccompat/v7) on a free port. */
export async function startRegistryProxy(registryUrl: string): Promise<RegistryProxy> {
  const upstream = new URL(registryUrl);
  const state = { notFound: false, served404: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const target = `${upstream.origin}${req.url ?? '/'}`;
        if (state.notFound && req.method === 'GET' && /\/schemas\/ids\/\d+(\?|$)/.test(req.url ?? '')) {
          state.served404++;
          res.writeHead(404, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
          res.end(JSON.stringify({ error_code: 40403, message: 'Schema not found' }));
          return;
        }
        try {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(req.headers))
            if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
          const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
          const answer = await fetch(target, {
            method: req.method ?? 'GET',
            headers,
            ...(body === undefined ? {} : { body }),
            signal: AbortSignal.timeout(15_000),
          });
          const text = Buffer.from(await answer.arrayBuffer());
          res.writeHead(answer.status, {
            'content-type': answer.headers.get('content-type') ?? 'application/json',
          });
          res.end(text);
        } catch {
          res.writeHead(502);
          res.end();
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const proxy: RegistryProxy = {
    url: `http://127.0.0.1:${port}${upstream.pathname.replace(/\/$/, '')}`,
    get notFound() {
      return state.notFound;
    },
    set notFound(on: boolean) {
      state.notFound = on;
    },
    get served404() {
      return state.served404;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return proxy;
}
