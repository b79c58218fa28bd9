/**
 * A TCP proxy in front of a test server whose open connections the test can stall: they stay open, but no byte from
 * the server reaches the client any more (a dead route, a NAT that dropped its mapping, a hung proxy). Connections
 * made after a stall go through normally, as a reconnect would over a fresh route.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface StallableProxy {
  /** Base URL to use instead of the server's. */
  url: string;
  /** Stops forwarding the server's bytes on every open connection, without closing any. Returns how many. */
  stall(): number;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

export async function startStallableProxy(targetUrl: string): Promise<StallableProxy> {
  const target = new URL(targetUrl);
  const open = new Set<{ client: net.Socket; upstream: net.Socket; stalled: boolean }>();
  let accepted = 0;
  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(Number(target.port), target.hostname);
    const link = { client, upstream, stalled: false };
    open.add(link);
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (!link.stalled) client.write(chunk);
    });
    const end = () => {
      open.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stall() {
      for (const link of open) link.stalled = true;
      return open.size;
    },
    get connections() {
      return accepted;
    },
    async close() {
      for (const link of open) {
        link.client.destroy();
        link.upstream.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
