import { RegistryError } from './errors';
import type { RegistryErrorCode } from './errors';

/** Compatibility levels both Confluent Schema Registry and Apicurio's ccompat API accept. */
export type CompatibilityLevel =
  'NONE' | 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FORWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE';

/** One HTTP request the client made; passed to `onRequest` (metrics, logs, benchmarks). */
export interface RegistryRequestEvent {
  method: string;
  /** Path relative to the base URL, e.g. `/schemas/ids/3`. */
  path: string;
  /** HTTP status, absent when the request failed before a response (network error, timeout). */
  status?: number;
  durationMs: number;
}

/** Options of {@link SchemaRegistryClient}. */
export interface SchemaRegistryClientOptions {
  /** Base URL: Confluent `http://host:8081`, Apicurio `http://host:8081/apis/ccompat/v7`. */
  url: string;
  /** Injected fetch (tests); defaults to the global one. */
  fetch?: typeof fetch;
  /** Per-request timeout in milliseconds (default 10,000); a timeout is UNAVAILABLE (retriable). */
  timeoutMs?: number;
  /** Basic auth, e.g. for Confluent Cloud. */
  auth?: { username: string; password: string };
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** Called after every HTTP request, successful or not. */
  onRequest?: (event: RegistryRequestEvent) => void;
}

/** A schema version under a subject. */
export interface SubjectVersion {
  subject: string;
  id: number;
  version: number;
  schema: string;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

interface ErrorBody {
  error_code?: unknown;
  message?: unknown;
  detail?: unknown;
  title?: unknown;
}

/**
 * Confluent Schema Registry REST client that also works against Apicurio's Confluent-compatible API.
 * Caches schema-by-id and subject+schema→id forever (both are immutable in a registry) and shares
 * concurrent identical requests, so steady-state encode/decode makes no HTTP calls.
 */
export class SchemaRegistryClient {
  readonly url: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;
  private readonly onRequest: ((event: RegistryRequestEvent) => void) | undefined;
  private readonly schemasById = new Map<number, string>();
  private readonly idsBySubjectSchema = new Map<string, { id: number; version?: number }>();
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private requests = 0;

  constructor(options: SchemaRegistryClientOptions) {
    if (!/^https?:\/\//.test(options.url)) {
      throw new TypeError(`schema registry url must start with http:// or https://, got "${options.url}"`);
    }
    this.url = options.url.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.onRequest = options.onRequest;
    this.headers = { Accept: `${CONTENT_TYPE}, application/json`, ...options.headers };
    if (options.auth) this.headers.Authorization = basicAuthorization(options.auth);
  }

  /** Number of HTTP requests made so far (the benchmark asserts it stays flat after warm-up). */
  get requestCount(): number {
    return this.requests;
  }

  /**
   * The schema text registered under a global id; cached once found (failures are not cached, so a
   * later call can succeed). Unknown id → RegistryError NOT_FOUND (the registry's error_code 40403).
   */
  async getSchemaById(id: number): Promise<string> {
    const cached = this.schemasById.get(id);
    if (cached !== undefined) return cached;
    const body = await this.request<{ schema?: unknown }>('GET', `/schemas/ids/${id}`);
    if (typeof body.schema !== 'string') {
      throw new RegistryError('HTTP', `registry answered GET /schemas/ids/${id} without a "schema" string`, {
        request: `GET /schemas/ids/${id}`,
      });
    }
    this.schemasById.set(id, body.schema);
    return body.schema;
  }

  /** Registers `schema` under `subject` (idempotent: an identical schema returns its existing id); cached. */
  async register(subject: string, schema: string): Promise<number> {
    const key = `${subject}\n${schema}`;
    const cached = this.idsBySubjectSchema.get(key);
    if (cached !== undefined) return cached.id;
    const body = await this.request<{ id?: unknown }>('POST', `/subjects/${enc(subject)}/versions`, {
      schema,
    });
    const id = expectId(body.id, `POST /subjects/${subject}/versions`);
    this.idsBySubjectSchema.set(key, { id });
    this.schemasById.set(id, schema);
    return id;
  }

  /** The id and version of `schema` under `subject`, or undefined when it is not registered there. */
  async lookup(subject: string, schema: string): Promise<{ id: number; version: number } | undefined> {
    const key = `${subject}\n${schema}`;
    const cached = this.idsBySubjectSchema.get(key);
    if (cached?.version !== undefined) return { id: cached.id, version: cached.version };
    try {
      const body = await this.request<{ id?: unknown; version?: unknown }>(
        'POST',
        `/subjects/${enc(subject)}`,
        { schema },
      );
      const id = expectId(body.id, `POST /subjects/${subject}`);
      const version = typeof body.version === 'number' ? body.version : 0;
      this.idsBySubjectSchema.set(key, { id, version });
      this.schemasById.set(id, schema);
      return { id, version };
    } catch (err) {
      // Both "subject not found" and "schema not found under subject" mean: not registered.
      if (err instanceof RegistryError && err.code === 'NOT_FOUND') return undefined;
      throw err;
    }
  }

  /** Sets the subject's compatibility level (never rely on the registry's global default). */
  async setCompatibility(subject: string, level: CompatibilityLevel): Promise<void> {
    await this.request('PUT', `/config/${enc(subject)}`, { compatibility: level });
  }

  /** The subject's own compatibility level, or undefined when none is set. */
  async getCompatibility(subject: string): Promise<string | undefined> {
    try {
      const body = await this.request<{ compatibilityLevel?: unknown; compatibility?: unknown }>(
        'GET',
        `/config/${enc(subject)}`,
      );
      const level = body.compatibilityLevel ?? body.compatibility;
      return typeof level === 'string' ? level : undefined;
    } catch (err) {
      if (err instanceof RegistryError && err.code === 'NOT_FOUND') return undefined;
      throw err;
    }
  }

  /**
   * Checks that the base URL is a schema registry's API (Confluent, or Apicurio's ccompat) by asking
   * for its global config: resolves when it answers like one; MISCONFIGURED when something else
   * answers (404 without a registry error code, HTML, non-JSON); UNAVAILABLE when nothing answers.
   * Not cached: call it at start-up, and refuse to start when it throws.
   */
  async probe(): Promise<void> {
    const request = 'GET /config';
    const body = await this.send<unknown>('GET', '/config', undefined);
    const level =
      body !== null && typeof body === 'object'
        ? ((body as { compatibilityLevel?: unknown; compatibility?: unknown }).compatibilityLevel ??
          (body as { compatibility?: unknown }).compatibility)
        : undefined;
    if (typeof level !== 'string') {
      throw new RegistryError(
        'MISCONFIGURED',
        `schema registry at ${this.url}: ${request} answered ${JSON.stringify(body).slice(0, 200)}, not a registry's compatibility config; ${configHint(this.url)}`,
        { request, status: 200 },
      );
    }
  }

  /** All subjects in the registry. */
  async listSubjects(): Promise<string[]> {
    return this.request<string[]>('GET', '/subjects');
  }

  /** The subject's versions in ascending order; [] when the subject does not exist. */
  async listVersions(subject: string): Promise<number[]> {
    try {
      const versions = await this.request<number[]>('GET', `/subjects/${enc(subject)}/versions`);
      return [...versions].sort((a, b) => a - b);
    } catch (err) {
      if (err instanceof RegistryError && err.code === 'NOT_FOUND') return [];
      throw err;
    }
  }

  /** One version of a subject (`'latest'` allowed). */
  async getVersion(subject: string, version: number | 'latest'): Promise<SubjectVersion> {
    const body = await this.request<Partial<SubjectVersion>>(
      'GET',
      `/subjects/${enc(subject)}/versions/${version}`,
    );
    const id = expectId(body.id, `GET /subjects/${subject}/versions/${version}`);
    if (typeof body.schema !== 'string' || typeof body.version !== 'number') {
      throw new RegistryError(
        'HTTP',
        `registry answered GET /subjects/${subject}/versions/${version} without schema/version`,
      );
    }
    this.schemasById.set(id, body.schema);
    return { subject: body.subject ?? subject, id, version: body.version, schema: body.schema };
  }

  /** Whether `schema` is compatible with the subject's latest version at the subject's level (true for a new subject). */
  async testCompatibility(subject: string, schema: string): Promise<boolean> {
    return (await this.checkCompatibility(subject, schema)).compatible;
  }

  /** Like testCompatibility, with the registry's own explanation messages when it gives them. */
  async checkCompatibility(
    subject: string,
    schema: string,
  ): Promise<{ compatible: boolean; messages: string[] }> {
    try {
      const body = await this.request<{ is_compatible?: unknown; messages?: unknown }>(
        'POST',
        `/compatibility/subjects/${enc(subject)}/versions/latest?verbose=true`,
        { schema },
      );
      const messages = Array.isArray(body.messages)
        ? body.messages.map((m) => (typeof m === 'string' ? m : JSON.stringify(m)))
        : [];
      return { compatible: body.is_compatible === true, messages };
    } catch (err) {
      // Nothing registered yet: anything is compatible with nothing.
      if (err instanceof RegistryError && err.code === 'NOT_FOUND') return { compatible: true, messages: [] };
      throw err;
    }
  }

  /** Deletes a subject (soft, or permanently after a soft delete); returns the deleted versions. */
  async deleteSubject(subject: string, permanent = false): Promise<number[]> {
    const versions = await this.request<number[]>(
      'DELETE',
      `/subjects/${enc(subject)}${permanent ? '?permanent=true' : ''}`,
    );
    for (const key of this.idsBySubjectSchema.keys())
      if (key.startsWith(`${subject}\n`)) this.idsBySubjectSchema.delete(key);
    return versions;
  }

  private request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    // Reads and idempotent writes asked for concurrently share one HTTP call.
    const key = `${method} ${path}\n${payload ?? ''}`;
    const pending = this.inFlight.get(key);
    if (pending) return pending as Promise<T>;
    const promise = this.send<T>(method, path, payload).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }

  private async send<T>(method: string, path: string, payload: string | undefined): Promise<T> {
    const request = `${method} ${path}`;
    const started = performance.now();
    this.requests += 1;
    let response: Response;
    try {
      const init: RequestInit = {
        method,
        headers: payload === undefined ? this.headers : { ...this.headers, 'Content-Type': CONTENT_TYPE },
        signal: AbortSignal.timeout(this.timeoutMs),
      };
      if (payload !== undefined) init.body = payload;
      response = await this.fetchImpl(`${this.url}${path}`, init);
    } catch (cause) {
      this.onRequest?.({ method, path, durationMs: performance.now() - started });
      // DOMException is not always `instanceof Error` (jest realms), so test the name only.
      const errName = (cause as { name?: unknown } | null)?.name;
      const timedOut = errName === 'TimeoutError' || errName === 'AbortError';
      const why = timedOut ? `timed out after ${this.timeoutMs} ms` : `failed: ${describe(cause)}`;
      throw new RegistryError(
        'UNAVAILABLE',
        `schema registry at ${this.url} unreachable: ${request} ${why}`,
        { request, cause },
      );
    }
    let text: string;
    try {
      text = await response.text();
    } catch (cause) {
      this.onRequest?.({ method, path, status: response.status, durationMs: performance.now() - started });
      throw new RegistryError(
        'UNAVAILABLE',
        `schema registry at ${this.url}: ${request} response body could not be read: ${describe(cause)}`,
        { request, status: response.status, cause },
      );
    }
    this.onRequest?.({ method, path, status: response.status, durationMs: performance.now() - started });
    if (!response.ok) throw errorFromResponse(this.url, request, response.status, text);
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      // A registry always answers JSON; an HTML page or plain text means the URL points elsewhere.
      throw new RegistryError(
        'MISCONFIGURED',
        `schema registry at ${this.url}: ${request} returned ${response.status} with a non-JSON body (${JSON.stringify(text.slice(0, 120))}), so the URL does not look like a schema registry; ${configHint(this.url)}`,
        { request, status: response.status, cause },
      );
    }
  }
}

function errorFromResponse(base: string, request: string, status: number, text: string): RegistryError {
  let body: ErrorBody = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object') body = parsed;
  } catch {
    // A proxy's HTML error page, for instance; the status alone decides.
  }
  const registryCode = typeof body.error_code === 'number' ? body.error_code : undefined;
  const said =
    [body.message, body.detail, body.title].find((m): m is string => typeof m === 'string') ??
    text.slice(0, 300);
  const code = classify(status, registryCode, said);
  const details = registryCode === undefined ? { request, status } : { request, status, registryCode };
  if (code === 'MISCONFIGURED') {
    return new RegistryError(
      code,
      `schema registry at ${base}: ${request} → ${status} without a registry error_code (${said.slice(0, 120)}), so the URL does not look like a schema registry; ${configHint(base)}`,
      details,
    );
  }
  return new RegistryError(
    code,
    `schema registry at ${base}: ${request} → ${status}${registryCode === undefined ? '' : ` (error_code ${registryCode})`}: ${said}`,
    details,
  );
}

function configHint(base: string): string {
  const apicurio = /\/apis\/ccompat\/v\d+$/.test(base);
  return (
    "set SCHEMA_REGISTRY_URL (or --registry) to the registry's Confluent-compatible API: " +
    `Apicurio serves it under /apis/ccompat/v7 (e.g. http://localhost:8081/apis/ccompat/v7), Confluent Schema Registry at its root (e.g. http://localhost:8081)` +
    (apicurio ? '' : `; ${base} has no /apis/ccompat/v7 suffix`)
  );
}

/**
 * Start-up check that `url` is a reachable schema registry (see {@link SchemaRegistryClient.probe}):
 * throws RegistryError MISCONFIGURED (wrong URL) or UNAVAILABLE (nothing answers); services refuse to start on either.
 */
export async function verifyRegistry(
  url: string,
  options: Omit<SchemaRegistryClientOptions, 'url'> = {},
): Promise<void> {
  await new SchemaRegistryClient({ ...options, url }).probe();
}

/**
 * Maps an HTTP failure to a RegistryError code; Confluent and Apicurio differ in details, not in status
 * classes. Both put an `error_code` (40401, 40403, ...) on every 404 of their API, so a 404 without one
 * comes from something else at that URL: MISCONFIGURED, never "not found".
 */
export function classify(
  status: number,
  registryCode: number | undefined,
  message: string,
): RegistryErrorCode {
  // A registry's own 404s carry a five-digit code (40401 subject, 40402 version, 40403 schema, ...);
  // Confluent answers a path outside its API with the bare status as error_code (404): a wrong base URL,
  // e.g. the local stack's /apis/ccompat/v7 against Confluent's registry, which serves at its root.
  if (status === 404)
    return registryCode === undefined || registryCode === 404 ? 'MISCONFIGURED' : 'NOT_FOUND';
  if (status === 409) return 'INCOMPATIBLE';
  if (status === 408 || status === 429 || status >= 500) {
    // Confluent reports an unparsable schema as 500 in some versions when the body is not JSON.
    if (/invalid schema|failed to parse|syntax/i.test(message) && status === 500) return 'INVALID_SCHEMA';
    return 'UNAVAILABLE';
  }
  if (status === 422 || status === 400) {
    if (registryCode === 42201 || /schema/i.test(message)) return 'INVALID_SCHEMA';
  }
  return 'HTTP';
}

function expectId(id: unknown, request: string): number {
  if (typeof id !== 'number' || !Number.isInteger(id)) {
    throw new RegistryError('HTTP', `registry answered ${request} without a numeric "id"`, { request });
  }
  return id;
}

function enc(subject: string): string {
  return encodeURIComponent(subject);
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}

/** The schema registry's basic credentials. */
export interface RegistryAuth {
  readonly username: string;
  readonly password: string;
}

/** The `Authorization` header value of the registry's basic credentials. */
export function basicAuthorization(auth: RegistryAuth): string {
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

/** Basic credentials of the schema registry, from SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD (both or neither). */
export function registryAuthFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): RegistryAuth | undefined {
  const username = env['SCHEMA_REGISTRY_USERNAME']?.trim() || undefined;
  const password = env['SCHEMA_REGISTRY_PASSWORD'] || undefined;
  if (username === undefined && password === undefined) return undefined;
  if (username === undefined || password === undefined)
    throw new Error('SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD go together; set both or neither');
  return { username, password };
}

/** `{ auth }` for SchemaRegistryClient's options from SCHEMA_REGISTRY_USERNAME/PASSWORD, or `{}` without them. */
export function registryAuthOption(env: Readonly<Record<string, string | undefined>> = process.env): {
  auth?: RegistryAuth;
} {
  const auth = registryAuthFromEnv(env);
  return auth === undefined ? {} : { auth };
}
