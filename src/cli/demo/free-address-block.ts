// Picks pod addresses for the demo's mesh that no other mesh on this machine uses: a block B is
// free when nothing listens on its first pod address or app host (127.B.0.2, 127.B+1.0.2).
import { createServer } from 'node:net';

/** The runtime's default block; the demo tries it first, then every other even block. */
const FIRST_BLOCK = 10;
const PROBE_PORT = 15001;

function canListen(host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port: PROBE_PORT }, () => server.close(() => resolve(true)));
  });
}

export async function freeAddressBlock(): Promise<number | undefined> {
  const candidates = [FIRST_BLOCK];
  for (let block = 12; block <= 250; block += 2) candidates.push(block);
  for (const block of candidates) {
    if ((await canListen(`127.${block}.0.2`)) && (await canListen(`127.${block + 1}.0.2`))) return block;
  }
  return undefined;
}
