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
}

const HTTP_METHOD_START = /^[A-Z]{1,20} /;

/** For `auto` ports: true when the bytes start like an HTTP/1.x request line. */
export function looksLikeHttp(buf: Buffer): boolean | undefined {
  const n = Math.min(buf.length, 21);
  const text = buf.toString('latin1', 0, n);
  if (HTTP_METHOD_START.test(text)) return true;
  for (let i = 0; i < n; i++) {
    const c = buf[i]!;
    if (c < 0x41 || c > 0x5a) return false;
  }
  return n >= 21 ? false : undefined;
}
