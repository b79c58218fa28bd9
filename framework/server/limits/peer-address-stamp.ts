/**
 * Stamps each incoming request with its connection's remote address (client-address.ts explains why). Installed once
 * per process, from instrumentation.ts, before the server handles requests: every http.Server's 'request' event
 * passes through here first.
 */
import http from 'node:http';
import { PEER_ADDRESS_HEADER } from './client-address';

const INSTALLED = Symbol.for('starter.peerAddressStamp');

export function installPeerAddressStamp(): void {
  const proto = http.Server.prototype as http.Server & { [INSTALLED]?: true };
  if (proto[INSTALLED]) return;
  proto[INSTALLED] = true;
  const emit = Reflect.get(proto, 'emit') as (
    this: http.Server,
    event: string | symbol,
    ...args: unknown[]
  ) => boolean;
  proto.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'request') {
      const request = args[0] as http.IncomingMessage;
      const address = request.socket.remoteAddress;
      // Overwrites whatever the client sent under this name: the header means "the server saw this address".
      if (address) request.headers[PEER_ADDRESS_HEADER] = address;
      else delete request.headers[PEER_ADDRESS_HEADER];
    }
    return emit.call(this, event, ...args);
  } as typeof proto.emit;
}
