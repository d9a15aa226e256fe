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

/**
 * POSTs each notice as JSON to a URL with a timeout. `Idempotency-Key` is the notification id (stable
 * per order and outcome), so a receiver can drop the resend that follows a crash after delivery.
 */
export class WebhookChannel implements NotificationChannel {
  readonly kind = 'WEBHOOK' as const;
  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  recipientOf(): string {
    return this.url;
  }

  async deliver(notice: Notice): Promise<void> {
    let res: Response;
    try {
      res = await this.fetchImpl(this.url, {
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
          ? `webhook ${this.url} did not answer within ${this.timeoutMs} ms`
          : `webhook ${this.url} is unreachable: ${String((err as { message?: unknown } | null)?.message ?? err)}`,
        { cause: err },
      );
    }
    // Drain the body so the connection can be reused.
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new WebhookDeliveryError('HTTP_STATUS', `webhook ${this.url} answered ${res.status}`);
  }
}
