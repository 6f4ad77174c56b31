// Reads one upstream response off its byte stream as the bytes arrive: the head (interim 1xx
// heads passed on), then where the body ends. Bytes are handed on as they arrived, never
// buffered whole; only a head still incomplete is held, up to maxHeadBytes.

import { BodyFramer } from './body-framer.js';
import { findHeadEnd } from './head-lines.js';
import { HttpError } from './http-error.js';
import { parseResponseHead } from './response-head.js';

export function badResponse(message: string): HttpError {
  return new HttpError('AUTOMESH_ERR_PROXY_BAD_RESPONSE', message, 502);
}

/** Where a response stands after a read. */
export const enum ResponseProgress {
  /** More bytes are needed; what could be handed on was. */
  More,
  /** The response ended with the bytes read. */
  Done,
  /** The response ended and bytes followed it: the connection is out of step, never reuse it. */
  DoneWithLeftover,
  /** A 101: from its head on, the bytes belong to the upgraded protocol (all handed on). */
  Upgrade,
}

export class ResponseReader {
  private headBuf: Buffer | null = null;
  private headDone = false;
  private finalStatus = 0;
  private keep = false;
  private method = 'GET';
  private upgradeRequested = false;
  private readonly body = new BodyFramer(badResponse);

  /** `forward` gets every byte of the response, in order, as soon as it is known to belong to it. */
  constructor(
    private readonly maxHeadBytes: number,
    private readonly forward: (bytes: Buffer) => void,
  ) {}

  /** Starts reading the response to a request (its framing depends on the method). */
  reset(method: string, upgradeRequested: boolean): void {
    this.headBuf = null;
    this.headDone = false;
    this.finalStatus = 0;
    this.keep = false;
    this.method = method;
    this.upgradeRequested = upgradeRequested;
  }

  /** The final (non-1xx) status, 0 until its head was read. */
  get status(): number {
    return this.finalStatus;
  }

  /** The upstream keeps the connection open after this response. */
  get keepAlive(): boolean {
    return this.keep;
  }

  get done(): boolean {
    return this.headDone && this.body.done;
  }

  /** The head was read and the body runs until the connection closes. */
  get endsAtClose(): boolean {
    return this.headDone && this.body.endsAtClose;
  }

  /** Reads the next bytes from the upstream; throws an HttpError (502) for an invalid response. */
  read(chunk: Buffer): ResponseProgress {
    let data = chunk;
    if (this.headBuf !== null) {
      data = Buffer.concat([this.headBuf, chunk]);
      this.headBuf = null;
    }
    let off = 0;
    while (!this.headDone) {
      const end = findHeadEnd(off === 0 ? data : data.subarray(off), this.maxHeadBytes);
      if (end === -1) {
        if (off > 0) this.forward(data.subarray(0, off));
        this.headBuf = data.subarray(off);
        return ResponseProgress.More;
      }
      const res = parseResponseHead(data.toString('latin1', off, off + end), this.method);
      off += end;
      if (res.status === 101) {
        if (!this.upgradeRequested) throw badResponse('101 without an upgrade request');
        this.forward(data);
        return ResponseProgress.Upgrade;
      }
      if (res.status >= 100 && res.status < 200) continue;
      this.headDone = true;
      this.finalStatus = res.status;
      this.keep = res.keepAlive;
      this.body.reset(res.body);
    }
    const end = off + this.body.consume(data, off);
    if (end > 0) this.forward(end === data.length ? data : data.subarray(0, end));
    if (!this.body.done) return ResponseProgress.More;
    return end < data.length ? ResponseProgress.DoneWithLeftover : ResponseProgress.Done;
  }
}
