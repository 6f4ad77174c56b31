// A TCP relay on loopback standing in for the network between sidecars and a server: `cut()`
// makes the server unreachable (connections refused, open ones reset), `restore()` reconnects it
// on the same port.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpRelay {
  /** host:port to give clients instead of the server's address. */
  address: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpRelay(target: () => string): Promise<TcpRelay> {
  const open = new Set<Socket>();
  const makeServer = (): Server =>
    createServer((client) => {
      const [host, port] = splitAddress(target());
      const upstream = connect(port, host);
      for (const s of [client, upstream]) {
        open.add(s);
        s.on('error', () => s.destroy());
        s.on('close', () => {
          open.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
  let server: Server | undefined = makeServer();
  await listen(server, 0);
  const port = (server.address() as AddressInfo).port;
  const cut = async (): Promise<void> => {
    const s = server;
    server = undefined;
    for (const socket of open) socket.destroy();
    if (s !== undefined) await new Promise((resolve) => s.close(resolve));
  };
  return {
    address: `127.0.0.1:${port}`,
    cut,
    restore: async () => {
      if (server !== undefined) return;
      server = makeServer();
      await listen(server, port);
    },
    close: cut,
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at), Number(address.slice(at + 1))];
}
