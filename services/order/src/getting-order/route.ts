import type { Express } from 'express';
import type pg from 'pg';
import type { ApiOrder } from '@orderflow/contracts';
import { ApiError, principal, validationFailed } from '@orderflow/platform';
import type { OpenApiValidator } from '../http/openapi-validator';
import type { OrderCache } from '../order-cache';
import { loadOrderViewSql } from '../order-view';
import type { OrderChanges, OrderWatch } from './order-changes';

/**
 * GET /orders/{orderId}[?wait=N]: the caller's order with its status and timeline, from Redis when cached,
 * else in one SQL statement (bench/reports/read-path.md: a fraction of Prisma's CPU per read). Another
 * customer's order is a 404, like one that does not exist: the answer tells nothing about it.
 *
 * With `wait`, the answer is held until the order is completed or N seconds pass: the read registers its
 * wait before it looks, so a change committed in between still wakes it, and each wake reads again —
 * unless the wake brought the completed view (`X-Cache: push`): the tracker of this process loads, in
 * its own transaction, the views of the orders it completes that a read here waits for. A just-placed
 * order's first look reads nothing (see OrderChanges.placed). So a customer who POSTs and then waits
 * costs the database no read at all when one instance serves both.
 */
export function gettingOrderRoute(
  app: Express,
  deps: {
    reads: Pick<pg.Pool, 'query'>;
    cache: OrderCache;
    validator: OpenApiValidator;
    changes: OrderChanges;
  },
): void {
  const op = deps.validator.operation('get', '/orders/{orderId}');
  app.get('/orders/:orderId', async (req, res) => {
    // Ids are compared in lower case everywhere (the tracker's cache drops and wake-ups, the SQL uuid):
    // an upper-case id must name the same cache entry and the same waiters.
    const orderId = req.params.orderId.toLowerCase();
    const query: Record<string, unknown> = { ...(req.query as Record<string, unknown>) };
    const issues = [...op.params('path', { orderId }), ...op.params('query', query)];
    if (issues.length > 0) throw validationFailed(issues);
    const waitMs = ((query.wait as number | undefined) ?? 0) * 1000;
    const deadline = Date.now() + waitMs;
    // A client that hangs up stops its wait at once (its place counts against ORDER_MAX_WAITING_READS).
    let gone = false;
    let watch: OrderWatch | undefined;
    res.once('close', () => {
      gone = true;
      watch?.cancel();
    });
    // The first look of a held read skips the database when this process just placed the order and
    // has learnt of no change since: it is PENDING, so not completed, and its owner is known.
    let first = true;
    for (;;) {
      const remaining = deadline - Date.now();
      watch = remaining > 0 && !gone ? deps.changes.watch(orderId, remaining) : undefined;
      const owner = first && watch !== undefined ? deps.changes.takePlaced(orderId) : undefined;
      first = false;
      if (owner !== undefined) {
        if (owner !== principal(res).subject) {
          watch!.cancel();
          throw new ApiError('NOT_FOUND', `no order ${orderId}`);
        }
        if (await answerWhenPushed(watch!)) return;
        continue;
      }
      const { value, hit } = await deps.cache
        .getOrLoad<ApiOrder>(orderId, () => loadOrderViewSql(deps.reads, orderId))
        .catch((err: unknown) => {
          watch?.cancel();
          throw err;
        });
      // An order's customer id is its owner: POST /orders refuses any other, and the migration that added
      // owners gave older orders their customer. So a cached view can be checked without another read.
      if (!value || value.customer.id !== principal(res).subject) {
        watch?.cancel();
        throw new ApiError('NOT_FOUND', `no order ${orderId}`);
      }
      if (watch === undefined || value.completed) {
        watch?.cancel();
        res.setHeader('X-Cache', hit ? 'hit' : 'miss');
        res.json(value);
        return;
      }
      if (await answerWhenPushed(watch)) return;
    }

    /**
     * Waits for the watch; true when the read is over: the client left, or the change came with the
     * completed view as it committed (the tracker of this process loaded it), which is answered as is.
     * False: look again.
     */
    async function answerWhenPushed(w: OrderWatch): Promise<boolean> {
      await w.changed;
      if (gone) return true;
      const pushed = w.view;
      if (pushed === undefined || !pushed.completed || pushed.customer.id !== principal(res).subject)
        return false;
      res.setHeader('X-Cache', 'push');
      res.json(pushed);
      return true;
    }
  });
}
