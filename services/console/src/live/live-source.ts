// The console's live data: the topics (TopicReader), the registry, the services' /ready, /metrics and admin
// APIs, and the dead-letter tool of `npm run dlt` (the same code lists, shows and replays).
import { SchemaRegistryClient } from '@orderflow/codec';
import { Subjects } from '@orderflow/contracts';
import { devTokenMinter, kafkaClientSecurity, type Logger } from '@orderflow/platform';
import { DeadLetters } from '@orderflow/stack/dead-letters';
import { Kafka, logLevel } from 'kafkajs';
import type { ConsoleConfig } from '../config';
import type { ConsoleData, ReplayResult, SchemaText } from '../data-source';
import {
  assembleJourney,
  orderRows,
  serviceHealth,
  subjectRows,
  type Journey,
  type SchemaVersionRef,
  type ServiceProbe,
} from '../shaping';
import { TopicReader } from './event-index';

const HTTP_TIMEOUT_MS = 2000;
/** How often, at most, the registry's subjects are listed again to resolve a schema id not seen before. */
const VERSIONS_REFRESH_MS = 5000;

/** The live console data over one Kafka cluster, registry and set of services. */
export class LiveSource implements ConsoleData {
  private readonly registry: SchemaRegistryClient;
  private readonly reader: TopicReader;
  private readonly deadLetterTool: DeadLetters;
  private readonly versions = new Map<number, SchemaVersionRef>();
  private versionsLoaded = 0;
  private token: Promise<string> | undefined;

  constructor(
    private readonly config: ConsoleConfig,
    private readonly logger: Logger,
  ) {
    this.registry = new SchemaRegistryClient({
      url: config.schemaRegistryUrl,
      ...(config.schemaRegistryAuth === undefined ? {} : { auth: config.schemaRegistryAuth }),
    });
    const kafka = new Kafka({
      clientId: 'orderflow-console',
      brokers: config.kafkaBrokers,
      ...kafkaClientSecurity(config.kafkaSecurity),
      logLevel: logLevel.ERROR,
      retry: { retries: 5 },
    });
    this.reader = new TopicReader(
      kafka,
      this.registry,
      logger.child({ component: 'topics' }),
      config.maxOrders,
    );
    const log = logger.child({ component: 'dead-letters' });
    this.deadLetterTool = new DeadLetters(
      {
        kafkaBrokers: config.kafkaBrokers,
        kafkaSecurity: config.kafkaSecurity,
        schemaRegistryUrl: config.schemaRegistryUrl,
        schemaRegistryAuth: config.schemaRegistryAuth,
      },
      (line) => log.info(line),
      (line) => log.warn(line),
    );
  }

  /** Starts reading the topics. */
  async start(): Promise<void> {
    await this.registry.probe();
    await this.reader.start();
  }

  async ready(): Promise<void> {
    this.reader.check();
    await this.registry.probe();
  }

  async close(): Promise<void> {
    await this.reader.close();
  }

  private serviceToken(): Promise<string> {
    if (this.config.serviceToken !== undefined) return Promise.resolve(this.config.serviceToken);
    this.token ??= devTokenMinter(this.config.authDevDir).then((mint) =>
      mint({ subject: 'orderflow-console', scopes: ['admin'], ttlSeconds: 12 * 3600 }),
    );
    return this.token;
  }

  private async get(url: string): Promise<{ status: number; body: string }> {
    const res = await fetch(url, {
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      headers: { authorization: `Bearer ${await this.serviceToken()}` },
    });
    return { status: res.status, body: await res.text() };
  }

  private async getJson(url: string): Promise<unknown> {
    try {
      const r = await this.get(url);
      return r.status === 200 ? (JSON.parse(r.body) as unknown) : undefined;
    } catch {
      return undefined;
    }
  }

  /** id → subject/version for every id of the table's subjects (refreshed when an id is missing). */
  private async schemaVersions(ids: readonly (number | null)[]): Promise<Map<number, SchemaVersionRef>> {
    const missing = ids.some((id) => id !== null && !this.versions.has(id));
    if (missing && Date.now() - this.versionsLoaded > VERSIONS_REFRESH_MS) {
      this.versionsLoaded = Date.now();
      for (const subject of Object.values(Subjects)) {
        for (const version of await this.registry.listVersions(subject)) {
          const v = await this.registry.getVersion(subject, version);
          this.versions.set(v.id, { subject, version: v.version });
        }
      }
    }
    return this.versions;
  }

  orders(opts: { limit: number; status?: string }): Promise<ReturnType<typeof orderRows>> {
    const all = this.reader.index.all().map((o) => ({ ...o, deadLetters: o.deadLetters.length }));
    return Promise.resolve(orderRows(all, opts));
  }

  async journey(orderId: string): Promise<Journey | undefined> {
    const tracked = this.reader.index.get(orderId);
    if (tracked === undefined) return undefined;
    const versions = await this.schemaVersions(tracked.events.map((e) => e.schemaId));
    const [payment, notifications] = await Promise.all([
      this.getJson(`${this.config.serviceUrls['payment']}/payments/${orderId}`),
      this.getJson(`${this.config.serviceUrls['notification']}/notifications?orderId=${orderId}`),
    ]);
    const list = (notifications as { notifications?: unknown } | undefined)?.notifications;
    return assembleJourney({
      orderId,
      events: tracked.events,
      deadLetters: tracked.deadLetters,
      versions,
      payment,
      notifications: Array.isArray(list) ? (list as unknown[]) : [],
    });
  }

  async health(): Promise<ReturnType<typeof serviceHealth>[]> {
    return Promise.all(
      Object.entries(this.config.serviceUrls).map(async ([service, url]) => {
        const probe: ServiceProbe = { service, url };
        try {
          const ready = await this.get(`${url}/ready`);
          let body: unknown;
          try {
            body = JSON.parse(ready.body);
          } catch {
            body = undefined;
          }
          probe.ready = { status: ready.status, body };
          const metrics = await this.get(`${url}/metrics`);
          if (metrics.status === 200) probe.metrics = metrics.body;
          else probe.error = `GET /metrics answered ${metrics.status}`;
        } catch (err) {
          probe.error = err instanceof Error ? err.message : String(err);
        }
        return serviceHealth(probe);
      }),
    );
  }

  deadLetters(): ReturnType<DeadLetters['summaries']> {
    return this.deadLetterTool.summaries();
  }

  deadLetterMessages(
    topic: string,
    opts: Parameters<DeadLetters['inspect']>[1],
  ): ReturnType<DeadLetters['inspect']> {
    return this.deadLetterTool.inspect(topic, opts);
  }

  async replay(topic: string, opts: Parameters<DeadLetters['replayMessages']>[1]): Promise<ReplayResult> {
    const r = await this.deadLetterTool.replayMessages(topic, opts);
    this.logger.info(
      { dlt: r.dlt, outcomes: r.outcomes.map((o) => `${o.partition}:${o.offset} ${o.result}`) },
      'replayed from the console',
    );
    return {
      topic: r.topic,
      dlt: r.dlt,
      outcomes: r.outcomes.map((o) => ({
        partition: o.partition,
        offset: String(o.offset),
        result: o.result,
        ...(o.reason === undefined ? {} : { reason: o.reason }),
      })),
    };
  }

  async subjects(): Promise<ReturnType<typeof subjectRows>> {
    const names = await this.registry.listSubjects();
    const rows = await Promise.all(
      names.map(async (subject) => {
        const versions = await this.registry.listVersions(subject);
        const ids = await Promise.all(
          versions.map(async (v) => ({ version: v, id: (await this.registry.getVersion(subject, v)).id })),
        );
        for (const { version, id } of ids) this.versions.set(id, { subject, version });
        return {
          subject,
          versions: ids,
          compatibility: (await this.registry.getCompatibility(subject)) ?? null,
        };
      }),
    );
    return subjectRows(rows);
  }

  async schema(subject: string, version: number): Promise<SchemaText | undefined> {
    const versions = await this.registry.listVersions(subject);
    if (!versions.includes(version)) return undefined;
    const v = await this.registry.getVersion(subject, version);
    return { subject, version: v.version, id: v.id, schema: v.schema };
  }
}
