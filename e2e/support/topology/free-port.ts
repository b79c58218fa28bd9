/**
 * Free loopback ports for the topology's processes, chosen by the OS rather than guessed, so that several test runs
 * (or engineers) on one machine never collide.
 */
import { createServer, type AddressInfo } from 'node:net';

/** A port nobody listens on right now (the caller binds it a moment later). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
