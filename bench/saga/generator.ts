// The open-loop generator: arrivals on a fixed schedule whatever the answers (no coordinated
// omission: every latency is measured from the arrival's *scheduled* time), an in-flight cap whose
// shed arrivals count as failures, a watcher of notification_sent on Kafka, and each customer's
// GET /orders/{id}?wait=N, which declares a saga complete when the user can see it (final status and
// `completed`). The order service holds that read until the order is completed, so a saga costs one GET
// (one more for every N seconds it takes) and the view's lag is measured without a polling interval.
import { createOrderApiClient, type ApiOrder } from '@orderflow/contracts';
import { FINAL_STATUSES, type PlannedOrder } from './mix';
import { bearer } from '../../tests/support/auth';
import { nodeHttpTransport } from './http-transport';

/** What the generator knows of one arrival. */
export interface Arrival {
  plan: PlannedOrder;
  scheduledAt: number;
  sentAt?: number;
  answeredAt?: number;
  /** 201/200 → the order id; otherwise why it failed (status code or error code, or 'shed'). */
  orderId?: string;
  failure?: string | undefined;
  /** notification_sent seen on Kafka. */
  kafkaAt?: number;
  /** GET /orders/{id} first showed it final and completed. */
  viewAt?: number;
  status?: string;
  /** Polls made for this order, and when the next is due. */
  polls: number;
  nextPollAt?: number | undefined;
}

/** Idempotency-Key duplicates: sent, answered with the same order, refused without an order (shed: 503/429, a
 * network error), and answered with another order (the only violation). */
export interface DuplicateTally {
  sent: number;
  sameOrder: number;
  refused: number;
  mismatched: string[];
}

/** One POST's outcome: the order it named, or why it named none. */
export interface PostOutcome {
  orderId?: string;
  failure?: string;
}

/**
 * How two answers to the same Idempotency-Key compare: the same order; `refused` when at most one of them named
 * an order (a request shed under load places nothing, and the client may retry it); `mismatch` when they name two
 * different orders — the one outcome idempotency forbids.
 */
export function compareReplay(a: PostOutcome, b: PostOutcome): 'same' | 'refused' | 'mismatch' {
  if (a.orderId !== undefined && a.orderId === b.orderId) return 'same';
  if (a.orderId === undefined || b.orderId === undefined) return 'refused';
  return 'mismatch';
}

/** Seconds each held GET /orders/{id}?wait= asks the order service to wait for completion. */
export const VIEW_WAIT_SECONDS = 30;
/** After a GET that failed (no answer, or an error status), the customer asks again this much later (ms). */
const RETRY_AFTER_FAILED_GET_MS = 100;
// Held GETs in flight at once: one per open saga (admission keeps those under ORDER_MAX_OPEN_SAGAS, 1000),
// with room; the HTTP agent's socket cap is above it, so POSTs never queue behind held reads.
const POLL_CONCURRENCY = 4096;
const TICK_MS = 5;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Shared between runs: every notification_sent the bench's consumer saw, by order id. */
export type KafkaSeen = Map<string, number>;

/** One rate's load: schedule, send, watch, poll. */
export class LoadRun {
  readonly arrivals: Arrival[] = [];
  readonly byOrder = new Map<string, Arrival>();
  readonly duplicates: DuplicateTally = { sent: 0, sameOrder: 0, refused: 0, mismatched: [] };
  gets = 0;
  inFlight = 0;
  maxInFlightSeen = 0;
  t0 = 0;
  arrivalsEnd = 0;
  private readonly api;
  private readonly pending = new Set<Promise<unknown>>();
  private polling = false;
  /** Orders with a poll scheduled (only sagas whose notification_sent was seen and not yet complete). */
  private readonly due = new Set<Arrival>();
  private pollers = 0;
  private poller: Promise<void> = Promise.resolve();

  constructor(
    private readonly opts: {
      orderApi: string;
      rate: number;
      seconds: number;
      maxInFlight: number;
      plan: (index: number) => PlannedOrder;
      kafkaSeen: KafkaSeen;
    },
  ) {
    this.api = createOrderApiClient(opts.orderApi, nodeHttpTransport);
  }

  /** Who placed each order: GET /orders/{id} answers only its owner's token. */
  private readonly owners = new Map<string, string>();

  /** Called by the Kafka watcher for each notification_sent. */
  onNotification(orderId: string, at: number): void {
    const a = this.byOrder.get(orderId);
    if (a && a.kafkaAt === undefined) a.kafkaAt = at;
  }

  /** Runs the arrival schedule to its end (answers may still be outstanding). */
  async arrive(onProgress: (sent: number, total: number) => void): Promise<void> {
    const total = Math.round(this.opts.rate * this.opts.seconds);
    const interval = 1000 / this.opts.rate;
    this.polling = true;
    this.poller = this.pollLoop();
    this.t0 = performance.now();
    let next = 0;
    let lastProgress = this.t0;
    while (next < total) {
      const now = performance.now();
      // Every arrival whose time has come goes now, however late the loop woke.
      while (next < total && this.t0 + next * interval <= now) {
        this.send(next, this.t0 + next * interval);
        next++;
      }
      if (now - lastProgress >= 10_000) {
        lastProgress = now;
        onProgress(next, total);
      }
      const wait = this.t0 + next * interval - performance.now();
      await sleep(Math.max(0, Math.min(TICK_MS, wait)));
    }
    this.arrivalsEnd = performance.now();
  }

  private send(index: number, scheduledAt: number): void {
    const plan = this.opts.plan(index);
    const a: Arrival = { plan, scheduledAt, polls: 0 };
    this.arrivals.push(a);
    if (this.inFlight >= this.opts.maxInFlight) {
      a.failure = 'shed';
      return;
    }
    a.sentAt = performance.now();
    const first = this.post(plan);
    this.track(
      first.then((r) => {
        a.answeredAt = performance.now();
        if (r.orderId !== undefined) {
          a.orderId = r.orderId;
          this.byOrder.set(r.orderId, a);
          const seen = this.opts.kafkaSeen.get(r.orderId);
          if (seen !== undefined) this.onNotification(r.orderId, seen);
          // The customer asks for the outcome at once; the order service answers when the saga is over.
          this.schedule(a, performance.now());
        } else a.failure = r.failure;
        if (plan.duplicate === 'retry' && r.orderId !== undefined) this.duplicate(plan, r.orderId);
      }),
    );
    if (plan.duplicate === 'double') {
      // Sent together with the first: both must end up naming the same order.
      const second = this.post(plan);
      this.duplicates.sent++;
      this.track(Promise.all([first, second]).then(([r1, r2]) => this.tally(`double ${plan.index}`, r1, r2)));
    }
  }

  private duplicate(plan: PlannedOrder, orderId: string): void {
    this.duplicates.sent++;
    this.track(this.post(plan).then((r) => this.tally(`retry ${plan.index}`, { orderId }, r)));
  }

  private tally(label: string, a: PostOutcome, b: PostOutcome): void {
    const verdict = compareReplay(a, b);
    if (verdict === 'same') this.duplicates.sameOrder++;
    else if (verdict === 'refused') this.duplicates.refused++;
    else this.duplicates.mismatched.push(`${label}: ${a.orderId} vs ${b.orderId}`);
  }

  private async post(plan: PlannedOrder): Promise<PostOutcome> {
    this.inFlight++;
    this.maxInFlightSeen = Math.max(this.maxInFlightSeen, this.inFlight);
    try {
      // One customer per order (mix.ts): each its own token, so no client nears the per-subject rate limit.
      const customer = plan.body.customer.id;
      const { data, response } = await this.api.POST('/orders', {
        body: plan.body,
        headers: await bearer(customer),
        ...(plan.idempotencyKey === undefined
          ? {}
          : { params: { header: { 'Idempotency-Key': plan.idempotencyKey } } }),
      });
      if ((response.status === 201 || response.status === 200) && data) {
        this.owners.set(data.id, customer);
        return { orderId: data.id };
      }
      return { failure: String(response.status) };
    } catch (err) {
      // node:http errors carry the code (e.g. ECONNRESET, ECONNREFUSED).
      const code = err instanceof Error ? (err as { code?: string }).code : undefined;
      return { failure: code ?? (err instanceof Error ? err.name : 'error') };
    } finally {
      this.inFlight--;
    }
  }

  private track(p: Promise<unknown>): void {
    const t = p.catch(() => undefined).finally(() => this.pending.delete(t));
    this.pending.add(t);
  }

  /** Waits for every outstanding POST. */
  async answered(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private schedule(a: Arrival, at: number): void {
    a.nextPollAt = at;
    this.due.add(a);
  }

  private async pollLoop(): Promise<void> {
    while (this.polling) {
      const now = performance.now();
      for (const a of this.due) {
        if (this.pollers >= POLL_CONCURRENCY) break;
        if (a.viewAt !== undefined) this.due.delete(a);
        if (a.viewAt !== undefined || a.nextPollAt === undefined || a.nextPollAt > now) continue;
        a.nextPollAt = undefined;
        this.due.delete(a);
        this.pollers++;
        void this.pollOne(a).finally(() => this.pollers--);
      }
      await sleep(TICK_MS);
    }
  }

  private async pollOne(a: Arrival): Promise<void> {
    const order = await this.getOrder(a.orderId!, VIEW_WAIT_SECONDS);
    a.polls++;
    if (order && FINAL_STATUSES.has(order.status) && order.completed) {
      a.viewAt = performance.now();
      a.status = order.status;
      return;
    }
    if (order) a.status = order.status;
    // Not completed within the wait: ask again at once (a failed GET: a little later).
    if (this.polling) this.schedule(a, performance.now() + (order ? 0 : RETRY_AFTER_FAILED_GET_MS));
  }

  /** GET /orders/{id}, held up to `waitSeconds` for completion (counted); undefined when it fails. */
  async getOrder(orderId: string, waitSeconds = 0): Promise<ApiOrder | undefined> {
    this.gets++;
    try {
      const owner = this.owners.get(orderId);
      if (owner === undefined) return undefined;
      const { data } = await this.api.GET('/orders/{orderId}', {
        params: { path: { orderId }, ...(waitSeconds > 0 ? { query: { wait: waitSeconds } } : {}) },
        headers: await bearer(owner),
      });
      return data;
    } catch {
      return undefined;
    }
  }

  /** Accepted orders not yet seen complete in the view. */
  unfinished(): Arrival[] {
    return [...this.byOrder.values()].filter((a) => a.viewAt === undefined);
  }

  /**
   * Waits until every accepted order is complete in the view or `deadline` passes; then lets the held
   * reads end (at most their wait) and asks once for every order still unfinished, so its status is known.
   */
  async drain(deadline: number, onProgress: (left: number) => void): Promise<void> {
    let lastProgress = performance.now();
    while (this.unfinished().length > 0 && Date.now() < deadline) {
      await sleep(50);
      const now = performance.now();
      if (now - lastProgress > 10_000) {
        lastProgress = now;
        onProgress(this.unfinished().length);
      }
    }
    this.polling = false;
    await this.poller;
    const heldUntil = performance.now() + (VIEW_WAIT_SECONDS + 2) * 1000;
    while (this.pollers > 0 && performance.now() < heldUntil) await sleep(50);
    for (const a of this.unfinished()) {
      const order = await this.getOrder(a.orderId!);
      if (order) a.status = order.status;
      if (order && FINAL_STATUSES.has(order.status) && order.completed) a.viewAt = performance.now();
    }
  }
}
