-- A webhook's URL is a secret (it may carry a token) and configuration only: a webhook notification
-- records the webhook's name, `webhook:<id>` (NOTIFY_WEBHOOK_ID, default `default`), as its recipient.
-- Rows written before recorded the URL itself; there was one webhook then (NOTIFY_WEBHOOK_URL), so they
-- get the default webhook's reference. Data only: the schema does not change.
UPDATE "notifications"
SET "recipient" = 'webhook:default'
WHERE "recipient" ~* '^[a-z][a-z0-9+.-]*://';
