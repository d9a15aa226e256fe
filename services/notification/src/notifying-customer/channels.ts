import type { NotificationChannel as ChannelKind } from '@orderflow/contracts';
import type { Logger } from '@orderflow/platform';
import type { Notice } from './decide';

/** Where notices go. A delivery that throws is retried (the event stays uncommitted), never dropped. */
export interface NotificationChannel {
  readonly kind: Exclude<ChannelKind, 'UNKNOWN' | 'EMAIL'>;
  /** The address this channel delivers `notice` to (stored and published as `recipient`). */
  recipientOf(notice: Notice): string;
  deliver(notice: Notice): Promise<void>;
}

/**
 * The default channel: the notice is stored (by the handler) and logged, nothing leaves the service.
 * The log line's `to` and `text` are personal data (censored unless LOG_PERSONAL_DATA=true); its
 * message is the subject, which names only the order.
 */
export class LogChannel implements NotificationChannel {
  readonly kind = 'LOG' as const;
  constructor(private readonly log: Logger) {}

  recipientOf(notice: Notice): string {
    return notice.email;
  }

  deliver(notice: Notice): Promise<void> {
    this.log.info(
      {
        orderId: notice.orderId,
        notificationId: notice.notificationId,
        outcome: notice.outcome,
        to: notice.email,
        text: notice.message,
      },
      notice.subject,
    );
    return Promise.resolve();
  }
}

/** Why a webhook delivery failed; every code is an outage of the channel, so the event is retried. */
export type WebhookErrorCode = 'TIMEOUT' | 'UNREACHABLE' | 'HTTP_STATUS';

/** A webhook call that did not succeed (retriable: the consumer retries it with backoff). */
export class WebhookDeliveryError extends Error {
  override readonly name = 'WebhookDeliveryError';
  constructor(
    readonly code: WebhookErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What a webhook notification records as its recipient: `webhook:<id>`, never the URL (a secret). */
export function webhookReference(id: string): string {
  return `webhook:${id}`;
}

/** A configured webhook: its name (recorded) and its URL (configuration only). */
export interface WebhookTarget {
  id: string;
  url: string;
  timeoutMs: number;
}

/**
 * POSTs each notice as JSON to a URL with a timeout. `Idempotency-Key` is the notification id (stable
 * per order and outcome), so a receiver can drop the resend that follows a crash after delivery. The
 * URL may carry a token: notifications, events, errors and logs name the webhook `webhook:<id>` instead.
 */
export class WebhookChannel implements NotificationChannel {
  readonly kind = 'WEBHOOK' as const;
  /** `webhook:<id>`: the recipient stored and published, and the name errors use. */
  readonly reference: string;
  // An ES private field: not enumerable, so logging or serializing the channel cannot show the URL.
  readonly #url: string;
  private readonly timeoutMs: number;

  constructor(
    target: WebhookTarget,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.reference = webhookReference(target.id);
    this.#url = target.url;
    this.timeoutMs = target.timeoutMs;
  }

  recipientOf(): string {
    return this.reference;
  }

  async deliver(notice: Notice): Promise<void> {
    let res: Response;
    try {
      res = await this.fetchImpl(this.#url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': notice.notificationId },
        body: JSON.stringify({
          notificationId: notice.notificationId,
          orderId: notice.orderId,
          outcome: notice.outcome,
          to: notice.email,
          subject: notice.subject,
          message: notice.message,
        }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      // fetch rejects with a DOMException on timeout, which is not always `instanceof Error` across realms.
      const name = (err as { name?: unknown } | null)?.name;
      const timedOut = name === 'TimeoutError' || name === 'AbortError';
      throw new WebhookDeliveryError(
        timedOut ? 'TIMEOUT' : 'UNREACHABLE',
        timedOut
          ? `${this.reference} did not answer within ${this.timeoutMs} ms`
          : `${this.reference} is unreachable: ${maskUrl(String((err as { message?: unknown } | null)?.message ?? err), this.#url)}`,
        { cause: err },
      );
    }
    // Drain the body so the connection can be reused.
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new WebhookDeliveryError('HTTP_STATUS', `${this.reference} answered ${res.status}`);
  }
}

/** `text` without `url` (a fetch error may quote it). */
function maskUrl(text: string, url: string): string {
  return text.split(url).join('<webhook url>');
}
