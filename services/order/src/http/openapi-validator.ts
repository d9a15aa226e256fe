// Request validation straight from the OpenAPI document (schemas/openapi/order-api.yaml), so the document
// the client is generated from is also the one the server enforces: no second copy of the rules.
import { readFileSync } from 'node:fs';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import type { FieldIssue } from '@orderflow/platform';

const DOC_ID = 'urn:orderflow:order-api';

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
  private readonly parameters: Ajv2020;

  constructor(
    documentText: string,
    readonly source: string,
  ) {
    this.doc = parse(documentText) as typeof this.doc;
    // Bodies are JSON and must match exactly; parameters arrive as text and are coerced to their types.
    this.bodies = OpenApiValidator.ajv(false);
    this.parameters = OpenApiValidator.ajv(true);
    // The whole document is registered as one schema so its internal `#/components/...` refs resolve.
    this.bodies.addSchema(this.doc, DOC_ID);
    this.parameters.addSchema(this.doc, DOC_ID);
  }

  /** Reads and compiles the document at `file`. */
  static fromFile(file: string): OpenApiValidator {
    return new OpenApiValidator(readFileSync(file, 'utf8'), file);
  }

  private static ajv(coerce: boolean): Ajv2020 {
    const ajv = new Ajv2020({ allErrors: true, coerceTypes: coerce, strict: true, strictTypes: false });
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

    let bodyValidator: ValidateFunction | undefined;
    if (op.requestBody !== undefined) {
      bodyValidator = this.bodies.compile({
        $ref: `${DOC_ID}${opPointer}/requestBody/content/application~1json/schema`,
      });
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
        if (!bodyValidator) return [];
        if (value === undefined) return [{ path: '/', message: 'a JSON request body is required' }];
        return bodyValidator(value) ? [] : toFieldIssues(bodyValidator.errors, '');
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
