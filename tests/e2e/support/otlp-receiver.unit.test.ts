// The e2e tracing test's receiver against the exporter the services use: spans made by the platform
// with startTracing (OTEL_TRACES_EXPORTER=otlp) in another Node process arrive, are decoded, and keep
// their ids, parents, kinds and service.name. Nothing but these two processes runs.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { OtlpSpanKind, startOtlpReceiver } from './otlp-receiver';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../..');

test('spans exported over OTLP/HTTP by startTracing arrive at the receiver with their parents and service.name', async () => {
  const receiver = await startOtlpReceiver();
  try {
    await run(
      process.execPath,
      [
        path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'),
        path.join(__dirname, 'export-sample-spans.ts'),
        receiver.endpoint,
      ],
      { cwd: ROOT, timeout: 60_000 },
    );
    expect(receiver.refused()).toEqual([]);
    const spans = receiver.spans();
    expect(spans.map((s) => s.name).sort()).toEqual(['POST /orders', 'send order_created']);
    const server = spans.find((s) => s.name === 'POST /orders')!;
    const send = spans.find((s) => s.name === 'send order_created')!;
    expect(server).toMatchObject({
      kind: OtlpSpanKind.SERVER,
      parentSpanId: undefined,
      serviceName: 'payment',
    });
    expect(server.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(send).toMatchObject({
      kind: OtlpSpanKind.PRODUCER,
      traceId: server.traceId,
      parentSpanId: server.spanId,
      attributes: { 'messaging.kafka.offset': 7 },
    });
  } finally {
    await receiver.close();
  }
}, 90_000);
