-- A webhook's URL is a secret (it may carry a token): the timeline entry of a notification_sent used to
-- end "... via WEBHOOK to <the URL>". Those entries now end "to a webhook (address withheld)", as the
-- tracker writes for any such event still on the topic (services/order/src/tracking-saga/describe.ts);
-- newer events name the webhook `webhook:<id>`. Cached order views expire within ORDER_CACHE_TTL_SECONDS.
-- Data only: the schema does not change.
UPDATE "order_events"
SET "detail" = to_jsonb(
  regexp_replace("detail" #>> '{}', ' to [A-Za-z][A-Za-z0-9+.-]*://.*$', ' to a webhook (address withheld)')
)
WHERE "type" = 'notification_sent'
  AND jsonb_typeof("detail") = 'string'
  AND ("detail" #>> '{}') ~ ' to [A-Za-z][A-Za-z0-9+.-]*://';
