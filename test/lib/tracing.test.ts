import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { trace } from '@opentelemetry/api';
import { startTracing, tracingRequested } from '../../lib/tracing/index.ts';

/** A stand-in OTLP collector: records what the exporter posts. */
describe('tracing set-up from the standard OTEL_* variables', () => {
  const received: Array<{ path: string; contentType: string; body: Buffer }> = [];
  const collector = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ path: request.url ?? '', contentType: String(request.headers['content-type']), body: Buffer.concat(chunks) });
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  let endpoint = '';
  const saved = { ...process.env };
  before(async () => {
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  });
  after(() => {
    process.env = saved;
    collector.close();
  });

  it('is off without an OTLP endpoint, and with OTEL_SDK_DISABLED', () => {
    assert.equal(tracingRequested({}), false);
    assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }), true);
    assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${endpoint}/v1/traces` }), true);
    assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SDK_DISABLED: 'true' }), false);
  });

  it('exports over OTLP http/protobuf to OTEL_EXPORTER_OTLP_ENDPOINT, named by OTEL_SERVICE_NAME when set', async () => {
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = endpoint;
    process.env.OTEL_SERVICE_NAME = 'psgraph-gateway-eu';
    const tracing = await startTracing({ serviceName: 'gateway' });
    try {
      assert.equal(tracing.enabled, true);
      trace.getTracer('test').startSpan('a-span-to-export').end();
      await tracing.flush();
      const [request] = received;
      assert.ok(request, 'the collector got the span');
      assert.equal(request.path, '/v1/traces');
      assert.equal(request.contentType, 'application/x-protobuf');
      // Protobuf keeps strings as UTF-8: the span's and the service's names are in the body as written.
      assert.ok(request.body.includes('a-span-to-export'));
      assert.ok(request.body.includes('psgraph-gateway-eu'));
    } finally {
      await tracing.shutdown();
    }
    // Shut down, the API is back to its no-op tracer: nothing more is recorded.
    assert.equal(trace.getTracer('test').startSpan('after').isRecording(), false);
  });
});
