import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { startTestHub, type HubHarness } from '../support/hub-harness.ts';

/**
 * What a consumer that stops reading costs the gateway: graphql-ws sends a subscriber's next result only once the
 * socket took the previous one, so results wait in the feed's bounded queue (SLOW_CONSUMER past `maxQueued`, tested in
 * subscriptions.test.ts); and a peer that reads nothing at all answers no ping, so the gateway drops its socket and
 * its subscriptions after a keep-alive interval, and nothing of it stays registered.
 */
describe('a live consumer that stops reading', () => {
  let graph: HubHarness;
  const keepAliveMs = 200;

  before(async () => {
    graph = await startTestHub({ seed: false, subscriptions: { keepAliveMs } });
  });
  after(async () => {
    await graph?.close();
  });

  /** A graphql-transport-ws client by hand, so the test holds the socket it pauses. */
  async function subscribed(): Promise<{ socket: WebSocket; closed: Promise<number> }> {
    const socket = new WebSocket(graph.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const acknowledged = new Promise((resolve) => socket.on('message', (data) => JSON.parse(String(data)).type === 'connection_ack' && resolve(null)));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${await graph.token(['ADMIN'])}` } }));
    await acknowledged;
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { timeEntryStatusChanged { id status } }' } }));
    return { socket, closed };
  }

  async function eventually(check: () => boolean, what: string, ms = 5000) {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('is dropped with its subscriptions after a keep-alive interval without a pong; one that reads stays', async () => {
    const live = graph.hub.gateway.live!;
    const reading = await subscribed();
    const stalled = await subscribed();
    await eventually(() => live.subscriberCount === 2, 'both subscribed');

    stalled.socket.pause();
    await eventually(() => live.subscriberCount === 1, "the stalled consumer's subscription is gone", 10 * keepAliveMs);
    assert.equal(graph.hub.gateway.liveConnections!.total, 1, 'its connection no longer counts against its identity');

    // Several keep-alive intervals later the consumer that reads (and so answers pings) is still served.
    await new Promise((resolve) => setTimeout(resolve, 4 * keepAliveMs));
    assert.equal(live.subscriberCount, 1);
    assert.equal(reading.socket.readyState, WebSocket.OPEN);
    stalled.socket.resume();
    await stalled.closed;
    reading.socket.close();
    assert.equal(await reading.closed, 1005);
    await eventually(() => live.subscriberCount === 0, 'the reading consumer unsubscribed when it closed');
  });
});
