import { canonicalSchema } from './avro';
import { RegistryError } from './errors';
import type { RegistryErrorCode } from './errors';
import { inlineReferences } from './references';
import type { SchemaReference, SchemaRegistration } from './references';

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
  /** The types the schema takes from other subjects; [] when it names none. */
  references: SchemaReference[];
}

/** A registered schema: its text and its references. */
export interface RegisteredSchema {
  schema: string;
  references: SchemaReference[];
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
  private readonly schemasById = new Map<number, RegisteredSchema>();
  private readonly resolvedById = new Map<number, Promise<string>>();
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
    return (await this.getRegisteredById(id)).schema;
  }

  /** The schema text and references registered under a global id; cached like getSchemaById. */
  async getRegisteredById(id: number): Promise<RegisteredSchema> {
    const cached = this.schemasById.get(id);
    if (cached !== undefined) return cached;
    const body = await this.request<{ schema?: unknown; references?: unknown }>('GET', `/schemas/ids/${id}`);
    if (typeof body.schema !== 'string') {
      throw new RegistryError('HTTP', `registry answered GET /schemas/ids/${id} without a "schema" string`, {
        request: `GET /schemas/ids/${id}`,
      });
    }
    const entry = {
      schema: body.schema,
      references: referencesOf(body.references, `GET /schemas/ids/${id}`),
    };
    this.schemasById.set(id, entry);
    return entry;
  }

  /**
   * The schema under a global id with every referenced type inlined at its first use (each reference
   * fetched by subject and version, recursively): text avsc parses alone. Without references, the
   * registered text itself. Cached.
   */
  resolvedSchemaById(id: number): Promise<string> {
    let resolved = this.resolvedById.get(id);
    if (resolved === undefined) {
      resolved = this.getRegisteredById(id).then((entry) => this.resolve(entry, `schema id ${id}`));
      // A failure (an outage) is not cached: the next call tries again.
      void resolved.catch(() => this.resolvedById.delete(id));
      this.resolvedById.set(id, resolved);
    }
    return resolved;
  }

  /** `entry` (a registered schema, named `where` in errors) with its references inlined; its own text when it has none. */
  async resolve(entry: RegisteredSchema, where: string): Promise<string> {
    if (entry.references.length === 0) return entry.schema;
    const definitions = new Map<string, unknown>();
    const seen = new Set<string>();
    const collect = async (refs: readonly SchemaReference[]): Promise<void> => {
      for (const ref of refs) {
        const key = `${ref.subject}\n${ref.version}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const v = await this.getVersion(ref.subject, ref.version);
        if (!definitions.has(ref.name)) definitions.set(ref.name, JSON.parse(v.schema));
        await collect(v.references);
      }
    };
    await collect(entry.references);
    const { schema, unresolved } = inlineReferences(JSON.parse(entry.schema), (name) =>
      definitions.get(name),
    );
    if (unresolved.length > 0) {
      throw new RegistryError(
        'INVALID_SCHEMA',
        `${where} at ${this.url} uses ${unresolved.map((u) => `${u.name} (at ${u.path || 'the root'})`).join(', ')}, which neither it nor its references (${entry.references.map((r) => `${r.name} = ${r.subject} v${r.version}`).join(', ')}) define`,
      );
    }
    return canonicalSchema(schema as object);
  }

  /** Registers `schema` under `subject` (idempotent: an identical schema returns its existing id); cached. */
  async register(
    subject: string,
    schema: string,
    references: readonly SchemaReference[] = [],
  ): Promise<number> {
    const key = cacheKey(subject, schema, references);
    const cached = this.idsBySubjectSchema.get(key);
    if (cached !== undefined) return cached.id;
    const body = await this.request<{ id?: unknown }>(
      'POST',
      `/subjects/${enc(subject)}/versions`,
      requestBody(schema, references),
    );
    const id = expectId(body.id, `POST /subjects/${subject}/versions`);
    this.idsBySubjectSchema.set(key, { id });
    this.schemasById.set(id, { schema, references: [...references] });
    return id;
  }

  /**
   * Registers `registration` under `subject`, its references first (each under its own subject, then
   * named with the version found there); returns the id and version under `subject`.
   */
  async registerWithReferences(
    subject: string,
    registration: SchemaRegistration,
  ): Promise<{ id: number; version: number }> {
    const references: SchemaReference[] = [];
    for (const ref of registration.references) {
      const { version } = await this.registerWithReferences(ref.subject, ref.registration);
      references.push({ name: ref.name, subject: ref.subject, version });
    }
    const found = await this.lookup(subject, registration.schema, references);
    if (found) return found;
    await this.register(subject, registration.schema, references);
    const registered = await this.lookup(subject, registration.schema, references);
    if (!registered)
      throw new RegistryError(
        'HTTP',
        `registered ${subject} at ${this.url}, but looking it up again found nothing`,
      );
    return registered;
  }

  /** The id and version of `registration` under `subject` (its references looked up first); undefined when any is missing. */
  async lookupWithReferences(
    subject: string,
    registration: SchemaRegistration,
  ): Promise<{ id: number; version: number } | undefined> {
    const references: SchemaReference[] = [];
    for (const ref of registration.references) {
      const found = await this.lookupWithReferences(ref.subject, ref.registration);
      if (found === undefined) return undefined;
      references.push({ name: ref.name, subject: ref.subject, version: found.version });
    }
    return this.lookup(subject, registration.schema, references);
  }

  /** The id and version of `schema` under `subject`, or undefined when it is not registered there. */
  async lookup(
    subject: string,
    schema: string,
    references: readonly SchemaReference[] = [],
  ): Promise<{ id: number; version: number } | undefined> {
    const key = cacheKey(subject, schema, references);
    const cached = this.idsBySubjectSchema.get(key);
    if (cached?.version !== undefined) return { id: cached.id, version: cached.version };
    try {
      const body = await this.request<{ id?: unknown; version?: unknown }>(
        'POST',
        `/subjects/${enc(subject)}`,
        requestBody(schema, references),
      );
      const id = expectId(body.id, `POST /subjects/${subject}`);
      const version = typeof body.version === 'number' ? body.version : 0;
      this.idsBySubjectSchema.set(key, { id, version });
      this.schemasById.set(id, { schema, references: [...references] });
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
    const body = await this.request<Partial<Omit<SubjectVersion, 'references'>> & { references?: unknown }>(
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
    const references = referencesOf(body.references, `GET /subjects/${subject}/versions/${version}`);
    this.schemasById.set(id, { schema: body.schema, references });
    return { subject: body.subject ?? subject, id, version: body.version, schema: body.schema, references };
  }

  /** Whether `schema` is compatible with the subject's latest version at the subject's level (true for a new subject). */
  async testCompatibility(subject: string, schema: string): Promise<boolean> {
    return (await this.checkCompatibility(subject, schema)).compatible;
  }

  /** Like testCompatibility, with the registry's own explanation messages when it gives them. */
  async checkCompatibility(
    subject: string,
    schema: string,
    references: readonly SchemaReference[] = [],
  ): Promise<{ compatible: boolean; messages: string[] }> {
    try {
      const body = await this.request<{ is_compatible?: unknown; messages?: unknown }>(
        'POST',
        `/compatibility/subjects/${enc(subject)}/versions/latest?verbose=true`,
        requestBody(schema, references),
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

function cacheKey(subject: string, schema: string, references: readonly SchemaReference[]): string {
  return references.length === 0
    ? `${subject}\n${schema}`
    : `${subject}\n${schema}\n${JSON.stringify(references)}`;
}

// Without references the body stays `{ schema }`, exactly what was sent before references existed.
function requestBody(
  schema: string,
  references: readonly SchemaReference[],
): { schema: string; schemaType?: string; references?: SchemaReference[] } {
  if (references.length === 0) return { schema };
  return {
    schemaType: 'AVRO',
    schema,
    references: references.map((r) => ({ name: r.name, subject: r.subject, version: r.version })),
  };
}

function referencesOf(value: unknown, request: string): SchemaReference[] {
  if (value === undefined || value === null) return [];
  const ok =
    Array.isArray(value) &&
    value.every(
      (r: unknown) =>
        typeof r === 'object' &&
        r !== null &&
        typeof (r as SchemaReference).name === 'string' &&
        typeof (r as SchemaReference).subject === 'string' &&
        Number.isInteger((r as SchemaReference).version),
    );
  if (!ok)
    throw new RegistryError(
      'HTTP',
      `registry answered ${request} with malformed "references": ${JSON.stringify(value).slice(0, 200)}`,
      {
        request,
      },
    );
  return (value as SchemaReference[]).map((r) => ({ name: r.name, subject: r.subject, version: r.version }));
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
