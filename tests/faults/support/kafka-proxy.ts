// A Kafka-protocol-aware TCP proxy between one service and the broker, to lose produce acknowledgements
// on a real broker: the produce request reaches the broker, which appends the batch and answers; the
// proxy swallows that answer. The client, waiting in vain, times out and retries.
//
// Kafka clients connect to the addresses the broker advertises, not to the bootstrap address, so the
// proxy rewrites the broker's port in Metadata (api key 3) and FindCoordinator (api key 10) responses
// to its own: every connection of the proxied client goes through it. Host names are kept ("localhost"),
// so lengths do not change. kafkajs speaks only non-flexible versions of both (Metadata v0-v6,
// FindCoordinator v0-v2), whose layouts are below.
import net from 'node:net';

const PRODUCE = 0;
const METADATA = 3;
const FIND_COORDINATOR = 10;

/** A produce answer the proxy swallowed: what the broker had done with each partition's batch. */
export interface DroppedAck {
  at: number;
  partitions: { topic: string; partition: number; errorCode: number; baseOffset: string }[];
}

/** A running proxy. */
export interface KafkaProxy {
  /** The bootstrap address to give the proxied client (KAFKA_BROKERS). */
  address: string;
  /** While true, produce responses are swallowed (the requests still reach the broker). */
  dropProduceAcks: boolean;
  /** Every produce answer swallowed so far. */
  readonly dropped: DroppedAck[];
  close(): Promise<void>;
}

/** Reads Kafka frames (int32 size + payload) out of a byte stream. */
class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const frames: Buffer[] = [];
    while (this.buf.length >= 4) {
      const size = this.buf.readInt32BE(0);
      if (this.buf.length < 4 + size) break;
      frames.push(this.buf.subarray(0, 4 + size));
      this.buf = this.buf.subarray(4 + size);
    }
    return frames;
  }
}

/** Rewrites, in place, the port of every advertised broker equal to `from` in a Metadata v0-v6 response frame. */
function rewriteMetadata(frame: Buffer, version: number, from: number, to: number): void {
  let at = 8; // size, correlation id
  if (version >= 3) at += 4; // throttle_time_ms
  const brokers = frame.readInt32BE(at);
  at += 4;
  for (let i = 0; i < brokers; i++) {
    at += 4; // node_id
    at += 2 + frame.readInt16BE(at); // host
    if (frame.readInt32BE(at) === from) frame.writeInt32BE(to, at);
    at += 4;
    if (version >= 1) {
      const rack = frame.readInt16BE(at); // nullable string
      at += 2 + Math.max(rack, 0);
    }
  }
}

/** Rewrites, in place, the coordinator's port in a FindCoordinator v0-v2 response frame. */
function rewriteCoordinator(frame: Buffer, version: number, from: number, to: number): void {
  let at = 8;
  if (version >= 1) at += 4; // throttle_time_ms
  at += 2; // error_code
  if (version >= 1) at += 2 + Math.max(frame.readInt16BE(at), 0); // error_message
  at += 4; // node_id
  at += 2 + frame.readInt16BE(at); // host
  if (frame.readInt32BE(at) === from) frame.writeInt32BE(to, at);
}

/** What a Produce v3-v7 response says per partition (the versions kafkajs uses with idempotence). */
function produceOutcome(frame: Buffer, version: number): DroppedAck['partitions'] {
  const out: DroppedAck['partitions'] = [];
  let at = 8;
  const topics = frame.readInt32BE(at);
  at += 4;
  for (let t = 0; t < topics; t++) {
    const len = frame.readInt16BE(at);
    const topic = frame.toString('utf8', at + 2, at + 2 + len);
    at += 2 + len;
    const partitions = frame.readInt32BE(at);
    at += 4;
    for (let p = 0; p < partitions; p++) {
      const partition = frame.readInt32BE(at);
      const errorCode = frame.readInt16BE(at + 4);
      const baseOffset = frame.readBigInt64BE(at + 6).toString();
      at += 4 + 2 + 8 + (version >= 2 ? 8 : 0) + (version >= 5 ? 8 : 0);
      out.push({ topic, partition, errorCode, baseOffset });
    }
  }
  return out;
}

/** Starts a proxy on a free port in front of the broker at 127.0.0.1:`brokerPort`. */
export async function startKafkaProxy(brokerPort = 9092): Promise<KafkaProxy> {
  const sockets = new Set<net.Socket>();
  const state = { drop: false };
  const dropped: DroppedAck[] = [];
  let port = 0;
  const server = net.createServer((client) => {
    const broker = net.connect(brokerPort, '127.0.0.1');
    sockets.add(client).add(broker);
    const requests = new Map<number, { apiKey: number; version: number }>();
    const fromClient = new FrameReader();
    const fromBroker = new FrameReader();
    client.on('data', (chunk: Buffer) => {
      for (const frame of fromClient.push(chunk)) {
        requests.set(frame.readInt32BE(8), { apiKey: frame.readInt16BE(4), version: frame.readInt16BE(6) });
        broker.write(frame);
      }
    });
    broker.on('data', (chunk: Buffer) => {
      for (const frame of fromBroker.push(chunk)) {
        const correlationId = frame.readInt32BE(4);
        const request = requests.get(correlationId);
        requests.delete(correlationId);
        if (request?.apiKey === METADATA) rewriteMetadata(frame, request.version, brokerPort, port);
        if (request?.apiKey === FIND_COORDINATOR)
          rewriteCoordinator(frame, request.version, brokerPort, port);
        if (request?.apiKey === PRODUCE && state.drop) {
          dropped.push({ at: Date.now(), partitions: produceOutcome(frame, request.version) });
          continue;
        }
        client.write(frame);
      }
    });
    const close = (): void => {
      client.destroy();
      broker.destroy();
      sockets.delete(client);
      sockets.delete(broker);
    };
    client.on('error', close).on('close', close);
    broker.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
  return {
    address: `localhost:${port}`,
    get dropProduceAcks() {
      return state.drop;
    },
    set dropProduceAcks(on: boolean) {
      state.drop = on;
    },
    dropped,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
