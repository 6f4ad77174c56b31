// Reads the first bytes of a connection until a decision can be made, without losing them:
// the caller gets the bytes back and either unshifts them (TLS) or feeds them on (plaintext).

import type { Socket } from 'node:net';

/** decide returns undefined while it needs more bytes. */
export function peekSocket<T>(
  socket: Socket,
  decide: (buf: Buffer) => T | undefined,
  options: { maxBytes: number; timeoutMs: number; onTimeout: T },
  done: (decision: T, bytes: Buffer) => void,
): void {
  let buf: Buffer = Buffer.alloc(0);
  let finished = false;
  const finish = (decision: T): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.removeListener('data', onData);
    socket.removeListener('end', onEnd);
    socket.pause();
    done(decision, buf);
  };
  const onData = (chunk: Buffer): void => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    const decision = decide(buf);
    if (decision !== undefined) finish(decision);
    else if (buf.length >= options.maxBytes) finish(options.onTimeout);
  };
  const onEnd = (): void => finish(options.onTimeout);
  const timer = setTimeout(() => finish(options.onTimeout), options.timeoutMs);
  timer.unref();
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.once('close', () => {
    if (!finished) {
      finished = true;
      clearTimeout(timer);
    }
  });
  // An earlier peek leaves the socket paused, and a 'data' listener alone does not undo that: the
  // bytes would wait unread until the timeout.
  socket.resume();
}
