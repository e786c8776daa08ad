import { createClient, type Client, type ClientOptions } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * A graphql-ws client of the gateway whose HTTP endpoint is `httpUrl`, authenticated with a bearer token (or a function
 * giving one, asked at each connection). It never reconnects on its own, so a test sees every close.
 */
export function liveClient(
  httpUrl: string,
  bearer: string | (() => string | Promise<string>),
  options: Omit<Partial<ClientOptions>, 'url' | 'webSocketImpl' | 'connectionParams'> = {},
): Client {
  return createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: typeof bearer === 'string' ? { authorization: `Bearer ${bearer}` } : async () => ({ authorization: `Bearer ${await bearer()}` }),
    retryAttempts: 0,
    ...options,
  });
}
