// Emits the OpenAPI side of @orderflow/contracts: types via openapi-typescript and a typed
// openapi-fetch client.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { CodegenError } from './errors';
import type { GeneratedFile } from './emit-avro';
import { header } from './ts-text';

/** The OpenAPI document's path relative to the repository root. */
export const ORDER_API_FILE = 'schemas/openapi/order-api.yaml';

/** Generates gen/order-api.ts (types) and gen/order-api-client.ts (client) from the YAML text. */
export async function emitOpenApiModules(version: string, text: string): Promise<GeneratedFile[]> {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new CodegenError(
      'INVALID_OPENAPI',
      doc.errors.map((e) => ({
        file: ORDER_API_FILE,
        path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '',
        reason: e.message.split('\n')[0]!,
      })),
    );
  }
  const json: unknown = doc.toJS();
  if (
    typeof json !== 'object' ||
    json === null ||
    typeof (json as { openapi?: unknown }).openapi !== 'string' ||
    !(json as { openapi: string }).openapi.startsWith('3.1')
  ) {
    throw new CodegenError('INVALID_OPENAPI', [
      { file: ORDER_API_FILE, path: 'openapi', reason: 'must declare "openapi: 3.1.x"' },
    ]);
  }
  let types: string;
  try {
    types = await runOpenapiTypescript(json);
  } catch (err) {
    throw new CodegenError('INVALID_OPENAPI', [
      { file: ORDER_API_FILE, path: '', reason: (err as Error).message.split('\n')[0]! },
    ]);
  }
  const h = header(version, [ORDER_API_FILE]);
  const client = `${h}
import createClient from 'openapi-fetch';
import type { Client, ClientOptions } from 'openapi-fetch';
import type { components, paths } from './order-api';

/** A typed client for the order API (openapi-fetch): \`client.POST('/orders', { body })\`. */
export type OrderApiClient = Client<paths>;

/** The caller's bearer token (the API's \`bearerAuth\` scheme), or a function giving the current one (called per request). */
export type OrderApiToken = string | (() => string | Promise<string>);

/** Options of createOrderApiClient: openapi-fetch's, plus the bearer token every request sends. */
export type OrderApiClientOptions = Omit<ClientOptions, 'baseUrl'> & { token?: OrderApiToken };

/** Creates a typed order-API client for \`baseUrl\` (e.g. http://localhost:8001), sending \`options.token\` as \`Authorization: Bearer\`. */
export function createOrderApiClient(baseUrl: string, options: OrderApiClientOptions = {}): OrderApiClient {
  const { token, ...rest } = options;
  const client = createClient<paths>({ ...rest, baseUrl });
  if (token !== undefined) {
    client.use({
      async onRequest({ request }) {
        const value = typeof token === 'function' ? await token() : token;
        request.headers.set('Authorization', \`Bearer \${value}\`);
        return request;
      },
    });
  }
  return client;
}

/** POST /orders request body. */
export type ApiCreateOrderRequest = components['schemas']['CreateOrderRequest'];
/** An order as the API returns it. */
export type ApiOrder = components['schemas']['Order'];
/** An order's status. */
export type ApiOrderStatus = components['schemas']['OrderStatus'];
/** One page of GET /orders. */
export type ApiOrderPage = components['schemas']['OrderPage'];
/** One entry of an order's timeline. */
export type ApiTimelineEntry = components['schemas']['TimelineEntry'];
/** An RFC 9457 problem+json error body. */
export type ApiProblem = components['schemas']['Problem'];
/** POST /orders' 409: the lines whose sent price is not the catalog's, with both prices. */
export type ApiPriceChangedProblem = components['schemas']['PriceChangedProblem'];
`;
  return [
    { path: 'packages/contracts/src/gen/order-api.ts', contents: `${h}\n${types}` },
    { path: 'packages/contracts/src/gen/order-api-client.ts', contents: client },
  ];
}

// A child process costs a second or more of start-up; the same document always gives the same output.
const outputs = new Map<string, Promise<string>>();

/** openapi-typescript's output for `doc`, computed in a child Node process (see openapi-worker.mjs). */
function runOpenapiTypescript(doc: unknown): Promise<string> {
  const input = JSON.stringify(doc);
  let output = outputs.get(input);
  if (output === undefined) {
    output = spawnWorker(input);
    outputs.set(input, output);
    output.catch(() => outputs.delete(input));
  }
  return output;
}

function spawnWorker(input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'openapi-worker.mjs')], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(stderr.trim() || `openapi-typescript exited with ${code}`)),
    );
    child.stdin.end(input);
  });
}
