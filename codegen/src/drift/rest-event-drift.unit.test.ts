import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readResolvedSchema } from '../generator/shared-types';
import { checkRepositoryDrift, checkRestEventDrift, validateMapping } from './rest-event-drift';

const ROOT = path.resolve(__dirname, '../../..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const mapping = () => validateMapping(JSON.parse(read('schemas/rest-event-mapping.json')));
interface RestObject {
  properties: Record<string, unknown>;
  required: string[];
}
const openapi = () =>
  parseYaml(read('schemas/openapi/order-api.yaml')) as {
    components: { schemas: Record<string, RestObject> };
  };
type Field = Record<string, unknown> & { name: string };
const event = () => readResolvedSchema(ROOT, 'schemas/avro/order_created.avsc') as { fields: Field[] };
const fieldOf = (fields: Field[], name: string): Field => {
  const f = fields.find((x) => x.name === name);
  if (!f) throw new Error(`no field ${name}`);
  return f;
};

describe('REST ↔ event drift', () => {
  it('the repository agrees (every difference declared with a reason)', () => {
    expect(checkRepositoryDrift(ROOT)).toEqual([]);
  });

  it('a field renamed on one side is reported naming both places', () => {
    const api = openapi();
    // The request's line (the view's OrderLine is another schema: the catalog's price is required there).
    const line = api.components.schemas.OrderLineRequest!;
    line.properties.qty = line.properties.quantity;
    delete line.properties.quantity;
    line.required = ['sku', 'qty'];
    const problems = checkRestEventDrift(mapping(), api, event());
    expect(problems).toContain(
      'CreateOrderRequest.lines[].qty (schemas/openapi/order-api.yaml#/components/schemas/OrderLineRequest/properties/qty) has no counterpart in the event: no field OrderCreated.lines[].qty (schemas/avro/order_created.avsc); add it, or list "lines[].qty" under restOnly of CreateOrderRequest in schemas/rest-event-mapping.json with a reason',
    );
    expect(
      problems.some((p) =>
        p.startsWith('OrderCreated.lines[].quantity (schemas/avro/order_created.avsc) has no counterpart'),
      ),
    ).toBe(true);
  });

  it('optionality, type, enum and declared limits must agree', () => {
    const api = openapi();
    const request = api.components.schemas.CreateOrderRequest!;
    request.properties.currency = { type: 'string', enum: ['EUR', 'USD'] };
    request.required = ['customer', 'lines', 'currency', 'paymentToken'];
    const ev = event();
    fieldOf(ev.fields, 'currency').type = {
      type: 'enum',
      name: 'Currency',
      symbols: ['UNKNOWN', 'EUR', 'GBP'],
      default: 'UNKNOWN',
    };
    const line = (fieldOf(ev.fields, 'lines').type as { items: { fields: Field[] } }).items;
    fieldOf(line.fields, 'quantity').maximum = 999;
    const problems = checkRestEventDrift(mapping(), api, ev).join('\n');
    expect(problems).toContain(
      'CreateOrderRequest.currency (schemas/openapi/order-api.yaml#/components/schemas/CreateOrderRequest/properties/currency) and OrderCreated.currency (schemas/avro/order_created.avsc) disagree: enum: GBP only in the event, USD only in REST',
    );
    expect(problems).toContain('CreateOrderRequest.paymentToken');
    expect(problems).toContain('optionality: required in REST but nullable in the event');
    expect(problems).toContain('maximum: 10000 in REST but 999 in the event');
  });

  it('a declared difference silences a finding; an entry that matches nothing is reported', () => {
    const m = mapping();
    const withExtra = {
      ...m,
      comparisons: m.comparisons.map((c) => ({
        ...c,
        restOnly: [...c.restOnly, { path: 'giftWrap', reason: 'REST only' }],
      })),
    };
    expect(checkRestEventDrift(withExtra, openapi(), event())).toContain(
      'schemas/rest-event-mapping.json: CreateOrderRequest restOnly "giftWrap" matches nothing any more; remove it',
    );
  });
});
