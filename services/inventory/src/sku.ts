import { ApiError } from '@orderflow/platform';

// The SKU grammar of the order API (schemas/openapi/order-api.yaml, OrderLine.sku).
const SKU = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Returns `sku` when it is a valid SKU, else throws a 400 naming the path parameter. */
export function validSku(sku: string): string {
  if (!SKU.test(sku)) {
    throw new ApiError('VALIDATION_FAILED', `sku "${sku}" is not a valid SKU`, {
      errors: [
        {
          path: 'sku',
          message: 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
        },
      ],
    });
  }
  return sku;
}
