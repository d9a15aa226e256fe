import type { Express } from 'express';
import { ApiError } from '@orderflow/platform';
import type { Db } from '../db';

/** The payment of an order as GET /payments/{orderId} returns it. */
export interface PaymentView {
  paymentId: string;
  orderId: string;
  status: 'SUCCEEDED' | 'FAILED' | 'REFUNDED';
  amountMinor: number;
  currency: string;
  failureReason: string | null;
  createdAt: string;
  updatedAt: string;
  refund: {
    refundId: string;
    amountMinor: number;
    currency: string;
    reason: string;
    createdAt: string;
  } | null;
}

/** GET /payments/{orderId}: the order's payment and refund, 404 when the order was never charged (the HTTP kit has checked orderId is a UUID). */
export function gettingPaymentRoute(app: Express, deps: { db: Db }): void {
  app.get('/payments/:orderId', async (req, res) => {
    const { orderId } = req.params;
    const p = await deps.db.payment.findUnique({ where: { orderId }, include: { refund: true } });
    if (!p) throw new ApiError('NOT_FOUND', `no payment for order ${orderId}`);
    const view: PaymentView = {
      paymentId: p.id,
      orderId: p.orderId,
      status: p.status,
      amountMinor: Number(p.amount),
      currency: p.currency,
      failureReason: p.failureReason,
      createdAt: p.createdAt.toISOString(),
      updatedAt: p.updatedAt.toISOString(),
      refund: p.refund && {
        refundId: p.refund.id,
        amountMinor: Number(p.refund.amount),
        currency: p.refund.currency,
        reason: p.refund.reason,
        createdAt: p.refund.createdAt.toISOString(),
      },
    };
    res.json(view);
  });
}
