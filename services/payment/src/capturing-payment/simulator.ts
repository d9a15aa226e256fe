import type { PaymentFailureReason } from '@orderflow/contracts';

/** A charge request as the simulated provider sees it. */
export interface ChargeRequest {
  amountMinor: number;
  currency: string;
  paymentToken: string | null;
}

/** The provider's answer: approved, or declined with a reason and a human-readable message. */
export type ChargeResult =
  { approved: true } | { approved: false; reason: Exclude<PaymentFailureReason, 'UNKNOWN'>; message: string };

// Test tokens a caller can put in an order to steer the outcome (documented in the OpenAPI document).
// A Map, not an object literal: the token comes from the request, and a plain object would answer
// "constructor" or "__proto__" with what it inherits from Object.prototype.
const DECLINING_TOKENS: ReadonlyMap<string, Exclude<PaymentFailureReason, 'UNKNOWN'>> = new Map([
  ['tok_decline', 'DECLINED'],
  ['tok_insufficient', 'INSUFFICIENT_FUNDS'],
  ['tok_insufficient_funds', 'INSUFFICIENT_FUNDS'],
  ['tok_limit', 'LIMIT_EXCEEDED'],
]);

/**
 * The deterministic payment simulator: the token decides first (tok_decline, tok_insufficient[_funds],
 * tok_limit), then the amount limit; anything else is approved. Same input, same answer, always.
 */
export function simulateCharge(req: ChargeRequest, limitMinor: number): ChargeResult {
  const byToken = req.paymentToken === null ? undefined : DECLINING_TOKENS.get(req.paymentToken);
  if (byToken !== undefined)
    return {
      approved: false,
      reason: byToken,
      message: `the card was declined (${byToken}, test token ${req.paymentToken})`,
    };
  if (req.amountMinor > limitMinor) {
    return {
      approved: false,
      reason: 'LIMIT_EXCEEDED',
      message: `amount ${req.amountMinor} ${req.currency} exceeds the limit of ${limitMinor} minor units`,
    };
  }
  return { approved: true };
}
