import type { Express } from 'express';
import { ApiError, eventHeaders, principal, requestContext, validationFailed } from '@orderflow/platform';
import type { PlaceOrder } from './decide';
import type { OpenApiValidator } from '../http/openapi-validator';
import { placeOrder, type PlaceOrderDeps } from './place-order';

/**
 * POST /orders: validate against the OpenAPI document, place the order for the caller (the token's
 * subject, who must be the customer the body names; else 403), 201 (or 200 for a replay of the caller's
 * own Idempotency-Key).
 */
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
    const owner = principal(res).subject;
    const request = req.body as PlaceOrder;
    if (request.customer.id !== owner)
      throw new ApiError(
        'FORBIDDEN',
        `body.customer.id must be the authenticated customer (the token's subject ${JSON.stringify(owner)}): a customer places orders only for themselves`,
        { errors: [{ path: 'body.customer.id', message: 'is not the authenticated customer' }] },
      );
    const placed = await placeOrder(deps, request, {
      owner,
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
