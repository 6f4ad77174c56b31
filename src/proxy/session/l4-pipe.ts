// Proxies a connection at L4: bytes both ways, half-close passed on, either side's error closes both.

import type { Socket } from 'node:net';

export function pipeSockets(downstream: Socket, upstream: Socket, initial: Buffer | null): void {
  if (initial !== null && initial.length > 0) upstream.write(initial);
  downstream.pipe(upstream);
  upstream.pipe(downstream);
  downstream.on('error', () => upstream.destroy());
  upstream.on('error', () => downstream.destroy());
  downstream.on('close', () => upstream.destroy());
  upstream.on('close', (hadError: boolean) => {
    if (hadError) downstream.destroy();
    else downstream.end(() => downstream.destroy());
  });
  if (downstream.readableEnded) upstream.end();
  else downstream.resume();
}
