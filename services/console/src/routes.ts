// The console's JSON API under /api, and the page. Input is checked here and refused as problem+json
// (VALIDATION_FAILED naming the field); what the sources throw is mapped to the platform's error codes.
import path from 'node:path';
import type { Express, Request } from 'express';
import { ApiError, validationFailed, type FieldIssue } from '@orderflow/platform';
import { parseOffsetRef, type OffsetRef } from '@orderflow/stack/dead-letters';
import { PAGE_FILES } from './access';
import type { ConsoleData } from './data-source';
import {
  descriptorOf,
  eventReference,
  FINAL_STATUSES,
  lineDiff,
  OPEN_STATUSES,
  prettySchema,
  topicGraph,
} from './shaping';

/** Where the page's files are: services/console/public, from src/ and from dist/ alike. */
export const PUBLIC_DIR = path.resolve(__dirname, '..', 'public');

/** The page's own policy: its script, style and API calls come from this origin only. */
const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const STATUSES = new Set<string>([...OPEN_STATUSES, 'UNKNOWN', ...FINAL_STATUSES]);

function intParam(
  value: unknown,
  field: string,
  min: number,
  max: number,
  fallback: number,
  issues: FieldIssue[],
): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    issues.push({ path: field, message: `must be an integer from ${min} to ${max}` });
    return fallback;
  }
  return n;
}

function offsetParam(value: unknown, field: string, issues: FieldIssue[]): OffsetRef | undefined {
  if (value === undefined) return undefined;
  try {
    if (typeof value !== 'string') throw new Error('not text');
    return parseOffsetRef(value);
  } catch {
    issues.push({ path: field, message: 'must be <offset> or <partition>:<offset>, e.g. 7 or 1:7' });
    return undefined;
  }
}

/** The table topic a :topic parameter names (`order_created` or `order_created.DLT`). */
function topicParam(req: Request): string {
  const raw = String(req.params.topic ?? '');
  const topic = raw.endsWith('.DLT') ? raw.slice(0, -'.DLT'.length) : raw;
  if (descriptorOf(topic) === undefined)
    throw validationFailed([
      { path: 'path.topic', message: 'is not a topic of schemas/topics.json (or its .DLT)' },
    ]);
  return topic;
}

/** Maps what the sources throw (the DLT tool's StackError, registry and Kafka errors) to API errors. */
export function toApiError(err: unknown): unknown {
  if (err instanceof ApiError) return err;
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof Error && err.name === 'StackError') {
    if (code === 'BAD_USAGE') return validationFailed([{ path: 'offset', message }]);
    if (code === 'NOT_FOUND') return new ApiError('NOT_FOUND', message);
    return new ApiError('UNAVAILABLE', message);
  }
  if (code === 'UNAVAILABLE' || (err instanceof Error && err.name.startsWith('Kafka')))
    return new ApiError('UNAVAILABLE', `a dependency did not answer: ${message}`);
  return err;
}

async function mapped<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw toApiError(err);
  }
}

/** Mounts the page and /api on `app` (behind the HTTP kit's authentication). */
export function consoleRoutes(app: Express, data: ConsoleData): void {
  for (const [route, { file, type }] of Object.entries(PAGE_FILES)) {
    app.get(route, (_req, res) => {
      res.setHeader('Content-Security-Policy', PAGE_CSP);
      res.setHeader('Cache-Control', 'no-cache');
      res.type(type).sendFile(path.join(PUBLIC_DIR, file));
    });
  }

  app.get('/api/orders', async (req, res) => {
    const issues: FieldIssue[] = [];
    const limit = intParam(req.query.limit, 'query.limit', 1, 500, 100, issues);
    const status = req.query.status;
    if (status !== undefined && (typeof status !== 'string' || !STATUSES.has(status)))
      issues.push({ path: 'query.status', message: `must be one of ${[...STATUSES].join(', ')}` });
    if (issues.length > 0) throw validationFailed(issues);
    res.json({
      orders: await mapped(data.orders({ limit, ...(typeof status === 'string' ? { status } : {}) })),
    });
  });

  app.get('/api/orders/:orderId', async (req, res) => {
    const journey = await mapped(data.journey(req.params.orderId));
    if (journey === undefined)
      throw new ApiError('NOT_FOUND', `no event of order ${req.params.orderId} was seen on the topics`);
    res.json(journey);
  });

  app.get('/api/topology', (_req, res) => {
    res.json(topicGraph());
  });

  app.get('/api/reference', (_req, res) => {
    res.json({ events: eventReference() });
  });

  app.get('/api/health', async (_req, res) => {
    res.json({ services: await mapped(data.health()) });
  });

  app.get('/api/dead-letters', async (_req, res) => {
    res.json({ deadLetters: await mapped(data.deadLetters()) });
  });

  app.get('/api/dead-letters/:topic', async (req, res) => {
    const topic = topicParam(req);
    const issues: FieldIssue[] = [];
    const limit = intParam(req.query.limit, 'query.limit', 1, 200, 20, issues);
    const offset = offsetParam(req.query.offset, 'query.offset', issues);
    if (issues.length > 0) throw validationFailed(issues);
    res.json(
      await mapped(data.deadLetterMessages(topic, { limit, ...(offset === undefined ? {} : { offset }) })),
    );
  });

  app.post('/api/dead-letters/:topic/replay', async (req, res) => {
    const topic = topicParam(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const issues: FieldIssue[] = [];
    for (const key of Object.keys(body))
      if (key !== 'offset' && key !== 'all')
        issues.push({ path: `body.${key}`, message: 'is not a field of a replay' });
    const offset = offsetParam(body.offset, 'body.offset', issues);
    const all = body.all;
    if (all !== undefined && typeof all !== 'boolean')
      issues.push({ path: 'body.all', message: 'must be a boolean' });
    if (issues.length === 0 && (offset === undefined) === (all !== true))
      issues.push({ path: 'body', message: 'needs exactly one of offset ("p:n") or all: true' });
    if (issues.length > 0) throw validationFailed(issues);
    res.json(await mapped(data.replay(topic, offset === undefined ? { all: true } : { offset })));
  });

  app.get('/api/subjects', async (_req, res) => {
    res.json({ subjects: await mapped(data.subjects()) });
  });

  app.get('/api/subjects/:subject/diff', async (req, res) => {
    const subject = String(req.params.subject);
    const issues: FieldIssue[] = [];
    if (!/^[A-Za-z0-9._-]{1,200}$/.test(subject))
      issues.push({ path: 'path.subject', message: 'must be 1-200 letters, digits, ".", "_" or "-"' });
    const from = intParam(req.query.from, 'query.from', 1, 100_000, 0, issues);
    const to = intParam(req.query.to, 'query.to', 1, 100_000, 0, issues);
    if (req.query.from === undefined) issues.push({ path: 'query.from', message: 'is required' });
    if (req.query.to === undefined) issues.push({ path: 'query.to', message: 'is required' });
    if (issues.length > 0) throw validationFailed(issues);
    const [a, b] = await mapped(Promise.all([data.schema(subject, from), data.schema(subject, to)]));
    if (a === undefined || b === undefined)
      throw new ApiError('NOT_FOUND', `subject ${subject} has no version ${a === undefined ? from : to}`);
    res.json({ subject, from: a, to: b, diff: lineDiff(prettySchema(a.schema), prettySchema(b.schema)) });
  });
}
