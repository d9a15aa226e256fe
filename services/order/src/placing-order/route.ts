import type { Express } from 'express';
import { eventHeaders, requestContext, validationFailed } from '@orderflow/platform';
import type { PlaceOrder } from './decide';
import type { OpenApiValidator } from '../http/openapi-validator';
import { placeOrder, type PlaceOrderDeps } from './place-order';

/** POST /orders: validate against the OpenAPI document, place the order, 201 (or 200 for a replay). */
export function placingOrderRoute(
  app: Express,
  deps: PlaceOrderDeps & { validator: OpenApiValidator },
): void {
  const op = deps.validator.operation('post', '/orders');
  app.post('/orders', async (req, res) => {
    const idempotencyKey = req.get('idempotency-key');
    const headers: Record<string, unknown> =
      idempotencyKey === undefined ? {} : { 'Idempotency-Key': idempotencyKey };
    const issues = [...op.params('header', headers), ...op.body(req.body)];
    if (issues.length > 0) throw validationFailed(issues);
    const ctx = requestContext(res);
    const placed = await placeOrder(deps, req.body as PlaceOrder, {
      idempotencyKey,
      headers: eventHeaders({ correlationId: ctx.correlationId, traceparent: ctx.traceparent }),
    });
    // Per order at debug: the request line (info) already says POST /orders and its status.
    ctx.log.debug(
      { orderId: placed.order.id, created: placed.created, idempotencyKey },
      placed.created ? 'order placed' : 'idempotent replay',
    );
    if (!placed.created) res.setHeader('Idempotent-Replayed', 'true');
    res
      .status(placed.created ? 201 : 200)
      .location(`/orders/${placed.order.id}`)
      .json(placed.order);
  });
}
