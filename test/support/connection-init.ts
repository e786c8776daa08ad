import WebSocket from 'ws';

/** What the gateway's graphql-ws `connection_init` does with a credential: the close code and reason, or 'acknowledged'. */
export function connectionInit(url: string, token: string): Promise<{ code: number; reason: string } | 'acknowledged'> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const init = { type: 'connection_init', payload: { authorization: `Bearer ${token}` } };
    socket.on('open', () => socket.send(JSON.stringify(init)));
    socket.on('message', (data) => {
      if (JSON.parse(String(data)).type !== 'connection_ack') return;
      socket.close();
      resolve('acknowledged');
    });
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) }));
    socket.on('error', reject);
  });
}
