// The load generator's HTTP transport: the generated order API client (openapi-fetch) over node:http
// with a keep-alive agent instead of the global fetch (undici). The generator's CPU counts in the machine's
// budget like every component's, and fetch cost about four times the client CPU per request here (a
// keep-alive GET of an order view against a local server, 16 at a time: fetch ~530 µs, node:http ~125 µs
// of client CPU). The requests, their headers and bodies are the same; only the transport differs.
import http from 'node:http';

// Above the generator's held reads (one per open saga, at most 4096) plus its POSTs: nothing queues in the agent.
const agent = new http.Agent({ keepAlive: true, maxSockets: 8192 });

/** What openapi-fetch builds a request from: URL, method, headers, a serialized body. */
class LightRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: string | undefined;

  constructor(
    url: string | URL,
    init: { method?: string; headers?: ConstructorParameters<typeof Headers>[0]; body?: unknown } = {},
  ) {
    this.url = String(url);
    this.method = init.method ?? 'GET';
    this.headers = new Headers(init.headers);
    this.body = typeof init.body === 'string' ? init.body : undefined;
  }
}

/** The parts of a Response openapi-fetch reads: status, ok, headers.get, text and json. */
class LightResponse {
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };

  constructor(
    readonly status: number,
    private readonly raw: string,
    headers: http.IncomingHttpHeaders,
  ) {
    this.ok = status >= 200 && status < 300;
    this.headers = {
      get: (name) => {
        const v = headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
      },
    };
  }

  text(): Promise<string> {
    return Promise.resolve(this.raw);
  }

  json(): Promise<unknown> {
    return Promise.resolve(JSON.parse(this.raw) as unknown);
  }
}

function send(request: LightRequest): Promise<LightResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => (headers[name] = value));
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
    const req = http.request(request.url, { method: request.method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve(new LightResponse(res.statusCode ?? 0, Buffer.concat(chunks).toString(), res.headers)),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(request.body);
  });
}

/** Options for createOrderApiClient: this transport in place of fetch. */
export const nodeHttpTransport = {
  Request: LightRequest as unknown as typeof Request,
  fetch: (input: Request) => send(input as unknown as LightRequest) as unknown as Promise<Response>,
};

/** Closes the keep-alive connections (at the end of the bench). */
export function closeTransport(): void {
  agent.destroy();
}
