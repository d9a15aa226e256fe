// Emits the AsyncAPI 3.0 document of the topic table: servers, one channel per topic and per
// dead-letter topic, the Avro payloads with their docs, and each service's send/receive operations.
// Built from the same validated table and parsed schemas as the TypeScript, so it cannot drift.
import { stringify } from 'yaml';
import type { GeneratedFile, TopicInput } from './emit-avro';
import { DEFAULT_KEY, type TopicRow, type TopicTable } from './topic-table';
import type { AvroFile } from './avro-model';
import { header } from './ts-text';

/** Where the document goes, relative to the repository root. */
export const ASYNCAPI_FILE = 'packages/contracts/asyncapi.yaml';

const AVRO_FORMAT = 'application/vnd.apache.avro;version=1.9.0';
const KAFKA_BINDING = '0.5.0';
const SCRAM = { $ref: '#/components/securitySchemes/scramSha512' };

// The one service whose consumer group is not its name (services/order/src/config.ts
// ORDER_CONSUMER_GROUP default; services/order/src/asyncapi.unit.test.ts keeps them equal).
const CONSUMER_GROUPS: Readonly<Record<string, string>> = { order: 'order-service' };

/** The Kafka consumer group a service consumes with by default. */
export function consumerGroupOf(service: string): string {
  return CONSUMER_GROUPS[service] ?? service;
}

// Headers every event carries (packages/platform/src/tracing.ts), and those a dead letter adds
// (packages/platform/src/dead-letter.ts DltHeaders; its unit test compares them with this document).
const EVENT_HEADERS: Record<string, { description: string; required: boolean }> = {
  traceparent: { description: 'W3C trace context of the action that produced the event.', required: true },
  'correlation-id': {
    description: 'Id shared by every event of one saga (the HTTP request that placed the order).',
    required: true,
  },
  'causation-id': {
    description: 'eventId of the event this one was produced in reaction to.',
    required: false,
  },
  'dlt-replayed-from': {
    description: 'Set by `npm run dlt -- replay` on a replayed message: `<topic>.DLT/<partition>/<offset>`.',
    required: false,
  },
};
const DLT_HEADERS: Record<string, string> = {
  'dlt-original-topic': 'The topic the message was consumed from.',
  'dlt-original-partition': 'Its partition there.',
  'dlt-original-offset': 'Its offset there.',
  'dlt-consumer-group': 'The consumer group that gave up on it.',
  'dlt-error-code': 'A stable code: `<ErrorName>:<code>`, e.g. `CodecError:INVALID_DATA`.',
  'dlt-error-message':
    'The error message (at most 1,000 characters), email addresses and excerpts of customer fields masked.',
  'dlt-error-class': '`permanent`, or `bounded` (an unknown error after the allowed attempts).',
  'dlt-attempts': 'How many times the message was tried.',
  'dlt-dead-lettered-at': 'When it was dead-lettered (ISO-8601).',
};

/** The names of the headers the document gives dead letters on top of the event's own. */
export const DEAD_LETTER_HEADER_NAMES: readonly string[] = Object.keys(DLT_HEADERS);

function headersSchema(entries: [string, { description: string; required: boolean }][]): object {
  return {
    type: 'object',
    required: entries.filter(([, h]) => h.required).map(([name]) => name),
    properties: Object.fromEntries(
      entries.map(([name, h]) => [name, { type: 'string', description: h.description }]),
    ),
  };
}

/** The message key's description: the orderId's doc, or the key fields the topic's row declares. */
function keyDescription(row: TopicRow, avro: AvroFile): string {
  if (row.key.join() === DEFAULT_KEY.join())
    return (
      avro.root.fields.find((f) => f.name === 'orderId')?.doc ??
      'The orderId: events of one order share a partition.'
    );
  return `${row.key.join(', ')} joined by ":" (${row.key.map((k) => `<${k}>`).join(':')}): events of one key share a partition${row.config['cleanup.policy']?.includes('compact') ? ', and compaction keeps the newest of each key' : ''}.`;
}

// The topic configs the Kafka channel binding (0.5.0) describes; the table may hold others.
function topicConfiguration(row: TopicRow): object | undefined {
  const policy = row.config['cleanup.policy'];
  return policy === undefined ? undefined : { 'cleanup.policy': policy.split(',') };
}

/** Emits the AsyncAPI document; `topics` in table order, so the output is stable. */
export function emitAsyncApi(version: string, table: TopicTable, topics: TopicInput[]): GeneratedFile {
  const channels: Record<string, object> = {};
  const messages: Record<string, object> = {};
  const schemas: Record<string, object> = {};
  for (const { row, avro } of topics) {
    const name = avro.root.name;
    const summary = avro.root.doc ?? `The ${row.topic} event.`;
    schemas[name] = { schemaFormat: AVRO_FORMAT, schema: avro.json };
    const kafkaMessage = {
      key: { type: 'string', description: keyDescription(row, avro) },
      schemaIdLocation: 'payload',
      schemaIdPayloadEncoding: 'confluent',
      schemaLookupStrategy: 'TopicIdStrategy',
      bindingVersion: KAFKA_BINDING,
    };
    const payload = { $ref: `#/components/schemas/${name}` };
    messages[name] = {
      name,
      title: name,
      summary,
      contentType: 'application/octet-stream',
      description: `Confluent wire format: magic byte 0, the 4-byte id of the writer schema under subject \`${row.subject}\` (${row.compatibility}), then the Avro binary encoding.`,
      headers: headersSchema(Object.entries(EVENT_HEADERS)),
      payload,
      bindings: { kafka: kafkaMessage },
    };
    messages[`${name}DeadLetter`] = {
      name: `${name}DeadLetter`,
      title: `${name} (dead letter)`,
      summary: `A ${row.topic} message a consumer could never process: the original key and value bytes, unchanged.`,
      contentType: 'application/octet-stream',
      headers: headersSchema([
        ...Object.entries(EVENT_HEADERS).filter(([h]) => h !== 'dlt-replayed-from'),
        ...Object.entries(DLT_HEADERS).map(
          ([h, description]): [string, { description: string; required: boolean }] => [
            h,
            { description, required: true },
          ],
        ),
      ]),
      payload,
      bindings: { kafka: kafkaMessage },
    };
    const channel = (address: string, message: string, description: string, config?: object): object => ({
      address,
      title: address,
      description,
      messages: { [message]: { $ref: `#/components/messages/${message}` } },
      bindings: {
        kafka: {
          topic: address,
          partitions: row.partitions,
          ...(config === undefined ? {} : { topicConfiguration: config }),
          bindingVersion: KAFKA_BINDING,
        },
      },
    });
    channels[row.topic] = channel(
      row.topic,
      name,
      `${summary}\n\nProduced by ${row.producer}; consumed by ${row.consumers.join(', ')}.`,
      topicConfiguration(row),
    );
    // A DLT keeps every dead letter (never compacted).
    channels[`${row.topic}.DLT`] = channel(
      `${row.topic}.DLT`,
      `${name}DeadLetter`,
      `Dead letters of ${row.topic}: written by its consumers (${row.consumers.join(', ')}); listed, inspected and replayed with \`npm run dlt\`.`,
    );
  }
  const operations: Record<string, object> = {};
  const operation = (
    id: string,
    action: 'send' | 'receive',
    channelId: string,
    message: string,
    summary: string,
    groupId?: string,
  ): void => {
    operations[id] = {
      action,
      channel: { $ref: `#/channels/${channelId}` },
      summary,
      messages: [{ $ref: `#/channels/${channelId}/messages/${message}` }],
      ...(groupId === undefined
        ? {}
        : {
            bindings: {
              kafka: { groupId: { type: 'string', enum: [groupId] }, bindingVersion: KAFKA_BINDING },
            },
          }),
    };
  };
  for (const service of table.services) {
    for (const { row, avro } of topics) {
      if (row.producer === service)
        operation(
          `${service}.send.${row.topic}`,
          'send',
          row.topic,
          avro.root.name,
          `${service} publishes ${row.topic} (transactional outbox).`,
        );
    }
    for (const { row, avro } of topics) {
      if (!row.consumers.includes(service)) continue;
      const group = consumerGroupOf(service);
      operation(
        `${service}.receive.${row.topic}`,
        'receive',
        row.topic,
        avro.root.name,
        `${service} consumes ${row.topic} in group ${group}.`,
        group,
      );
      operation(
        `${service}.send.${row.topic}.DLT`,
        'send',
        `${row.topic}.DLT`,
        `${avro.root.name}DeadLetter`,
        `${service} dead-letters a ${row.topic} message it can never process.`,
      );
    }
  }
  const server = (host: string, description: string, registry: string, vendor: string): object => ({
    host,
    protocol: 'kafka',
    protocolVersion: '3.9',
    description,
    security: [SCRAM],
    bindings: {
      kafka: { schemaRegistryUrl: registry, schemaRegistryVendor: vendor, bindingVersion: KAFKA_BINDING },
    },
  });
  const doc = {
    asyncapi: '3.0.0',
    info: {
      title: 'Orderflow events',
      version,
      description:
        'The events of the order saga: one Avro schema per topic (schemas/avro), the topic table schemas/topics.json. Every topic T has a dead-letter topic T.DLT. Message key = orderId (per-order ordering), unless a topic row in the table names other key fields (catalog_price_set: sku:currency).',
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    servers: {
      local: server(
        'localhost:9092',
        'The local stack (npm run stack) or docker-compose.yml from the host. SASL_PLAINTEXT, SCRAM-SHA-512: one principal per service.',
        'http://localhost:8081/apis/ccompat/v7',
        'apicurio',
      ),
      compose: server(
        'kafka:29092',
        "docker-compose.yml's listener for containers. SASL_PLAINTEXT, SCRAM-SHA-512: one principal per service.",
        'http://schema-registry:8081',
        'confluent',
      ),
    },
    defaultContentType: 'application/octet-stream',
    channels,
    operations,
    components: {
      schemas,
      messages,
      securitySchemes: {
        scramSha512: {
          type: 'scramSha512',
          description:
            'SASL/SCRAM-SHA-512, one principal per service (KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD); ACLs from schemas/topics.json let a service write what it produces and the DLTs of what it consumes, and read what it consumes.',
        },
      },
    },
  };
  const sources = ['schemas/topics.json', ...topics.map((t) => t.avro.file)];
  return {
    path: ASYNCAPI_FILE,
    contents: `${header(version, sources).replace(/^\/\//, '#')}${stringify(doc, { aliasDuplicateObjects: false, lineWidth: 0 })}`,
  };
}
