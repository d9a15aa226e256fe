// Readiness probes: each asks the component a real question (ZooKeeper `ruok`, a Kafka metadata
// request, the registry's /subjects), not just whether a port is open.
import net from 'node:net';
import { kafkaClientSecurity, type KafkaSecurity } from '@orderflow/platform';
import { Kafka, logLevel } from 'kafkajs';
import type { ProbeResult } from './wait';

/** Sends a ZooKeeper four-letter word and returns the reply. */
export function zkFourLetterWord(
  port: number,
  word: string,
  host = '127.0.0.1',
  timeoutMs = 2000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host });
    let reply = '';
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`no reply to "${word}" within ${timeoutMs} ms`));
    });
    socket.once('connect', () => socket.write(word));
    socket.on('data', (chunk: Buffer) => (reply += chunk.toString('utf8')));
    socket.once('end', () => resolve(reply));
    socket.once('error', reject);
  });
}

/** ZooKeeper is ready when it answers `ruok` with `imok` and `srvr` with a mode. */
export async function probeZooKeeper(port: number): Promise<ProbeResult> {
  const ruok = await zkFourLetterWord(port, 'ruok');
  if (ruok.trim() !== 'imok') return { ready: false, reason: `ruok answered ${JSON.stringify(ruok)}` };
  const srvr = await zkFourLetterWord(port, 'srvr');
  const mode = /Mode: (\w+)/.exec(srvr)?.[1];
  if (mode === undefined)
    return { ready: false, reason: `srvr: ${srvr.trim().split('\n')[0] ?? 'no answer'}` };
  const version = /Zookeeper version: ([^,-]+)/.exec(srvr)?.[1];
  return { ready: true, detail: `${mode}${version === undefined ? '' : `, ZooKeeper ${version}`}` };
}

/**
 * Whether ZooKeeper still holds `/brokers/ids/<id>` (a broker's ephemeral registration), from the
 * `dump` four-letter word; undefined when this ZooKeeper does not allow `dump` (started by an older `up`).
 */
export async function brokerRegistered(port: number, brokerId: number): Promise<boolean | undefined> {
  const dump = await zkFourLetterWord(port, 'dump');
  if (!/ephemeral/i.test(dump)) return undefined;
  return parseEphemeralPaths(dump).includes(`/brokers/ids/${brokerId}`);
}

/** The ephemeral znode paths listed by ZooKeeper's `dump` reply. */
export function parseEphemeralPaths(dump: string): string[] {
  return dump
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('/'));
}

/** Kafka is ready when a metadata request names a controller and this broker (`brokerId`, when given). */
export async function probeKafka(
  brokers: string[],
  brokerId?: number,
  security?: KafkaSecurity,
): Promise<ProbeResult> {
  const kafka = new Kafka({
    clientId: 'orderflow-stack-probe',
    brokers,
    ...kafkaClientSecurity(security),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) return { ready: false, reason: 'no brokers in metadata' };
    if (cluster.controller === null || cluster.controller < 0)
      return { ready: false, reason: 'no controller elected yet' };
    if (brokerId !== undefined && !cluster.brokers.some((b) => b.nodeId === brokerId))
      return { ready: false, reason: `broker ${brokerId} not in the metadata yet` };
    return { ready: true, detail: `cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s)` };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** The registry is ready when its Confluent-compatible /subjects answers 200 with a JSON array. */
export async function probeRegistry(ccompatUrl: string): Promise<ProbeResult> {
  const res = await fetch(`${ccompatUrl}/subjects`, { signal: AbortSignal.timeout(3000) });
  if (res.status !== 200) return { ready: false, reason: `GET /subjects answered ${res.status}` };
  const body: unknown = await res.json();
  if (!Array.isArray(body)) return { ready: false, reason: 'GET /subjects did not return an array' };
  return { ready: true, detail: `${body.length} subject(s)` };
}
