// The server side of RFC 6455 WebSockets, as much as `kubectl exec` (1.30+) needs: the opening
// handshake with one chosen subprotocol, binary and text data frames in both directions (client
// frames masked, fragments joined), ping/pong and close. Framing only; what the bytes mean is the
// caller's (pod-exec-handler.ts).

import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const ACCEPT_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** A client frame larger than this closes the connection (stdin comes in small frames). */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;

const OP = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

export interface WebSocketConnection {
  /** Sends one binary message. */
  send(data: Buffer): void;
  /** Sends a close frame (normal closure) and ends the socket. */
  close(): void;
  /** Each whole message the client sends; `onClose` when the connection ends, either way. */
  onMessage(listener: (data: Buffer) => void): void;
  onClose(listener: () => void): void;
}

/** The subprotocols the client offers, in its order. */
export function offeredProtocols(req: IncomingMessage): string[] {
  return String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const head =
    length < 126
      ? Buffer.from([0x80 | opcode, length])
      : length < 65_536
        ? Buffer.from([0x80 | opcode, 126, length >> 8, length & 0xff])
        : Buffer.concat([Buffer.from([0x80 | opcode, 127]), bigLength(length)]);
  return Buffer.concat([head, payload]);
}

function bigLength(length: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt(length));
  return out;
}

/** Completes the handshake on `socket` and returns the connection. */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, protocol: string): WebSocketConnection {
  const key = String(req.headers['sec-websocket-key'] ?? '');
  const accept = createHash('sha1')
    .update(key + ACCEPT_GUID)
    .digest('base64');
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
  );
  const messageListeners: ((data: Buffer) => void)[] = [];
  const closeListeners: (() => void)[] = [];
  let closed = false;
  const finish = (): void => {
    if (closed) return;
    closed = true;
    for (const listener of closeListeners) listener();
  };
  let buffered = Buffer.alloc(0);
  let fragments: Buffer[] = [];
  const write = (opcode: number, payload: Buffer): void => {
    if (!closed && socket.writable) socket.write(frame(opcode, payload));
  };
  const parse = (): void => {
    for (;;) {
      if (buffered.length < 2) return;
      const first = buffered[0] as number;
      const second = buffered[1] as number;
      let length = second & 0x7f;
      let at = 2;
      if (length === 126) {
        if (buffered.length < 4) return;
        length = buffered.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (buffered.length < 10) return;
        length = Number(buffered.readBigUInt64BE(2));
        at = 10;
      }
      if (length > MAX_FRAME_BYTES || (second & 0x80) === 0) {
        socket.destroy(); // too large, or unmasked: not a client RFC 6455 speaks to
        return;
      }
      if (buffered.length < at + 4 + length) return;
      const mask = buffered.subarray(at, at + 4);
      const payload = Buffer.from(buffered.subarray(at + 4, at + 4 + length));
      for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (mask[i % 4] as number);
      buffered = buffered.subarray(at + 4 + length);
      const opcode = first & 0x0f;
      if (opcode === OP.close) {
        write(OP.close, payload.subarray(0, 2));
        socket.end();
        finish();
        return;
      }
      if (opcode === OP.ping) write(OP.pong, payload);
      if (opcode === OP.text || opcode === OP.binary || opcode === OP.continuation) {
        fragments.push(payload);
        if ((first & 0x80) !== 0) {
          const message = Buffer.concat(fragments);
          fragments = [];
          for (const listener of messageListeners) listener(message);
        }
      }
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    parse();
  });
  socket.on('close', finish);
  socket.on('error', finish);
  return {
    send: (data) => write(OP.binary, data),
    close: () => {
      write(OP.close, Buffer.from([0x03, 0xe8])); // 1000: normal closure
      socket.end();
      finish();
    },
    onMessage: (listener) => messageListeners.push(listener),
    onClose: (listener) => closeListeners.push(listener),
  };
}
