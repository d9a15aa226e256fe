// Request validation straight from the OpenAPI document (schemas/openapi/order-api.yaml), so the document
// the client is generated from is also the one the server enforces: no second copy of the rules.
import { readFileSync } from 'node:fs';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { jsonValues, type FieldIssue } from '@orderflow/platform';

const DOC_ID = 'urn:orderflow:order-api';

/**
 * Bodies with more JSON values than this get only their first problem: reporting every problem costs
 * CPU in proportion to the body (ajv with allErrors took 79 ms and built 63,003 errors for a 63 KB body
 * of empty order lines; stopping at the first took 0.2 ms). A valid order holds at most ~410 values
 * (100 lines of 4, the customer, currency and token), so a body over the bound is invalid anyway.
 */
export const MAX_VALUES_FULLY_CHECKED = 1000;

type Location = 'query' | 'header' | 'path';

interface Parameter {
  name: string;
  in: Location | 'cookie';
  required?: boolean;
  schema?: unknown;
}

/** Validators of one operation: its JSON body and its parameters per location. */
export interface OperationValidator {
  /** Field issues of a request body (JSON pointers, e.g. /lines/0/quantity); [] when valid. */
  body(value: unknown): FieldIssue[];
  /**
   * Field issues of the parameters in one location (paths like `query.limit`); [] when valid. `values`
   * is coerced in place to the schema's types (e.g. limit "20" → 20) and gets the schema defaults.
   */
  params(location: Location, values: Record<string, unknown>): FieldIssue[];
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

function hasMoreValues(value: unknown, max: number): boolean {
  let count = 0;
  for (const _ of jsonValues(value)) if ((count += 1) > max) return true;
  return false;
}

/** Turns ajv's errors into field issues naming the offending field (missing and unknown fields included). */
export function toFieldIssues(
  errors: readonly ErrorObject[] | null | undefined,
  prefix: string,
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  const join = (pointer: string): string =>
    prefix === '' ? pointer || '/' : `${prefix}${pointer.replaceAll('/', '.')}`;
  for (const e of errors ?? []) {
    let issue: FieldIssue;
    if (e.keyword === 'required') {
      const field = (e.params as { missingProperty: string }).missingProperty;
      issue = { path: join(`${e.instancePath}/${escapePointer(field)}`), message: 'is required' };
    } else if (e.keyword === 'additionalProperties') {
      const field = (e.params as { additionalProperty: string }).additionalProperty;
      issue = { path: join(`${e.instancePath}/${escapePointer(field)}`), message: 'is not a known field' };
    } else if (e.keyword === 'enum') {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      issue = { path: join(e.instancePath), message: `must be one of ${allowed.map(String).join(', ')}` };
    } else {
      issue = { path: join(e.instancePath), message: e.message ?? `fails ${e.keyword}` };
    }
    const key = `${issue.path}\u0000${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push(issue);
    }
  }
  return issues;
}

/**
 * Compiles the validators of every operation in an OpenAPI 3.1 document. Throws at start-up when an
 * operation named later does not exist, so a renamed operation fails fast rather than unvalidated.
 */
export class OpenApiValidator {
  private readonly doc: {
    paths?: Record<string, Record<string, unknown>>;
    components?: { parameters?: Record<string, Parameter> };
  };
  private readonly bodies: Ajv2020;
  private readonly firstBodyError: Ajv2020;
  private readonly parameters: Ajv2020;

  constructor(
    documentText: string,
    readonly source: string,
  ) {
    this.doc = parse(documentText) as typeof this.doc;
    // Bodies are JSON and must match exactly; parameters arrive as text and are coerced to their types.
    this.bodies = OpenApiValidator.ajv({ coerce: false, allErrors: true });
    this.firstBodyError = OpenApiValidator.ajv({ coerce: false, allErrors: false });
    this.parameters = OpenApiValidator.ajv({ coerce: true, allErrors: true });
    // The whole document is registered as one schema so its internal `#/components/...` refs resolve.
    for (const ajv of [this.bodies, this.firstBodyError, this.parameters]) ajv.addSchema(this.doc, DOC_ID);
  }

  /** Reads and compiles the document at `file`. */
  static fromFile(file: string): OpenApiValidator {
    return new OpenApiValidator(readFileSync(file, 'utf8'), file);
  }

  private static ajv({ coerce, allErrors }: { coerce: boolean; allErrors: boolean }): Ajv2020 {
    const ajv = new Ajv2020({ allErrors, coerceTypes: coerce, strict: true, strictTypes: false });
    addFormats(ajv);
    // OpenAPI's own top-level fields: not JSON Schema keywords, but harmless annotations here.
    for (const keyword of [
      'openapi',
      'info',
      'servers',
      'tags',
      'paths',
      'components',
      'webhooks',
      'security',
      'externalDocs',
      'jsonSchemaDialect',
    ]) {
      ajv.addKeyword({ keyword });
    }
    return ajv;
  }

  /** The validators of `method path` (e.g. 'post', '/orders'). */
  operation(method: string, path: string): OperationValidator {
    const op = this.doc.paths?.[path]?.[method] as
      { parameters?: ({ $ref: string } | Parameter)[]; requestBody?: unknown } | undefined;
    if (!op) throw new Error(`${this.source}: no operation ${method.toUpperCase()} ${path}`);
    const opPointer = `#/paths/${escapePointer(path)}/${method}`;

    let bodyValidators: { every: ValidateFunction; first: ValidateFunction } | undefined;
    if (op.requestBody !== undefined) {
      const schema = { $ref: `${DOC_ID}${opPointer}/requestBody/content/application~1json/schema` };
      bodyValidators = { every: this.bodies.compile(schema), first: this.firstBodyError.compile(schema) };
    }

    const byLocation = new Map<
      Location,
      { properties: Record<string, unknown>; required: string[]; defaults: Record<string, unknown> }
    >();
    (op.parameters ?? []).forEach((p, i) => {
      const [param, pointer] =
        '$ref' in p ? this.resolveParameter(p.$ref) : [p, `${opPointer}/parameters/${i}`];
      if (param.in === 'cookie') return;
      const entry = byLocation.get(param.in) ?? { properties: {}, required: [], defaults: {} };
      entry.properties[param.name] = { $ref: `${DOC_ID}${pointer}/schema` };
      // ajv applies defaults only to inline properties, not through a $ref: copy them here.
      const fallback = (param.schema as { default?: unknown } | undefined)?.default;
      if (fallback !== undefined) entry.defaults[param.name] = fallback;
      if (param.required === true) entry.required.push(param.name);
      byLocation.set(param.in, entry);
    });
    const paramValidators = new Map<
      Location,
      { validate: ValidateFunction; defaults: Record<string, unknown> }
    >();
    for (const [location, { properties, required, defaults }] of byLocation) {
      paramValidators.set(location, {
        validate: this.parameters.compile({ type: 'object', properties, required }),
        defaults,
      });
    }

    return {
      body: (value) => {
        if (!bodyValidators) return [];
        if (value === undefined) return [{ path: '/', message: 'a JSON request body is required' }];
        const { every, first } = bodyValidators;
        if (first(value)) return [];
        if (!hasMoreValues(value, MAX_VALUES_FULLY_CHECKED))
          return every(value) ? [] : toFieldIssues(every.errors, '');
        return [
          ...toFieldIssues(first.errors, ''),
          {
            path: '/',
            message: `holds more than ${MAX_VALUES_FULLY_CHECKED} JSON values; only its first problem is named`,
          },
        ];
      },
      params: (location, values) => {
        const entry = paramValidators.get(location);
        if (!entry) return [];
        for (const [name, fallback] of Object.entries(entry.defaults))
          if (values[name] === undefined) values[name] = fallback;
        return entry.validate(values) ? [] : toFieldIssues(entry.validate.errors, location);
      },
    };
  }

  private resolveParameter(ref: string): [Parameter, string] {
    const name = /^#\/components\/parameters\/([^/]+)$/.exec(ref)?.[1];
    const param = name === undefined ? undefined : this.doc.components?.parameters?.[name];
    if (name === undefined || !param) throw new Error(`${this.source}: cannot resolve parameter ${ref}`);
    return [param, `#/components/parameters/${escapePointer(name)}`];
  }
}
