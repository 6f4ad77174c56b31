// Tracks where a message body ends in a byte stream without decoding it: bodies are forwarded
// as the bytes that arrived, so chunked stays chunked (extensions included). Trailer fields are
// forwarded too unless the framer drops them: request trailers are dropped, as Envoy's HTTP/1 codec
// does by default, because a client could otherwise hand the app header fields the sidecar never
// checked (a forged X-Forwarded-Client-Cert among them).

import { badRequest } from './http-error.js';
import type { HttpError } from './http-error.js';
import type { BodyFraming } from './request-head.js';

/** Bounds on the non-data parts of a chunked body (size lines, extensions, trailers). */
export const MAX_CHUNK_LINE_BYTES = 4096;
export const MAX_TRAILER_BYTES = 16384;

const enum State {
  Size,
  Ext,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerLineStart,
  TrailerLine,
  TrailerLf,
  FinalLf,
  Done,
}

export class BodyFramer {
  private remaining = 0;
  private state: State = State.Done;
  private chunked = false;
  private untilClose = false;
  private sizeDigits = 0;
  private lineBytes = 0;
  private trailerBytes = 0;
  private dropStart = -1;
  private dropEnd = -1;

  constructor(
    private readonly makeError: (message: string) => HttpError = badRequest,
    private readonly dropTrailers = false,
  ) {}

  /** Starts tracking a new body. */
  reset(framing: BodyFraming): void {
    this.chunked = framing.kind === 'chunked';
    this.untilClose = framing.kind === 'close';
    this.remaining = framing.kind === 'length' ? framing.length : 0;
    this.sizeDigits = 0;
    this.lineBytes = 0;
    this.trailerBytes = 0;
    if (this.chunked) this.state = State.Size;
    else if (this.untilClose || this.remaining > 0) this.state = State.Data;
    else this.state = State.Done;
  }

  get done(): boolean {
    return this.state === State.Done;
  }

  /** True for a body that only ends when the connection closes. */
  get endsAtClose(): boolean {
    return this.untilClose;
  }

  /**
   * The trailer field bytes the last `consume` call found and the caller must not forward, as
   * [start, end) indexes into its buffer, or null. Only a framer that drops trailers finds any.
   */
  get dropped(): readonly [number, number] | null {
    return this.dropStart === -1 ? null : [this.dropStart, this.dropEnd];
  }

  /**
   * Consumes body bytes from buf[offset..]; returns how many belong to this body.
   * When `done` becomes true, bytes after that belong to the next message.
   */
  consume(buf: Buffer, offset: number): number {
    const len = buf.length - offset;
    this.dropStart = -1;
    this.dropEnd = -1;
    if (this.state === State.Done) return 0;
    if (this.untilClose) return len;
    if (!this.chunked) {
      const take = Math.min(len, this.remaining);
      this.remaining -= take;
      if (this.remaining === 0) this.state = State.Done;
      return take;
    }
    return this.consumeChunked(buf, offset);
  }

  private consumeChunked(buf: Buffer, offset: number): number {
    let i = offset;
    const end = buf.length;
    // Trailer fields that began in an earlier call go on being dropped from the start of this one.
    if (this.dropTrailers && this.trailerBytes > 0 && this.state !== State.FinalLf) this.dropStart = offset;
    while (i < end && this.state !== State.Done) {
      if (this.state === State.Data) {
        const take = Math.min(end - i, this.remaining);
        this.remaining -= take;
        i += take;
        if (this.remaining === 0) this.state = State.DataCr;
        continue;
      }
      const c = buf[i]!;
      if (this.dropTrailers && this.state === State.TrailerLineStart) this.markDropped(c, i);
      this.step(c);
      i++;
    }
    if (this.dropStart !== -1 && this.dropEnd === -1) this.dropEnd = i;
    return i - offset;
  }

  /** At the start of a trailer line: a field starts the dropped range, the final CRLF ends it. */
  private markDropped(c: number, at: number): void {
    if (c !== 0x0d) {
      if (this.dropStart === -1) {
        this.dropStart = at;
        this.dropEnd = -1;
      }
    } else if (this.dropStart !== -1) {
      this.dropEnd = at;
    }
  }

  private step(c: number): void {
    switch (this.state) {
      case State.Size:
        return this.onSize(c);
      case State.Ext:
        this.countLine();
        if (c === 0x0d) this.state = State.SizeLf;
        else if (c === 0x0a || c === 0) throw this.makeError('bad chunk extension');
        return;
      case State.SizeLf:
        if (c !== 0x0a) throw this.makeError('bad chunk size line');
        this.lineBytes = 0;
        this.state = this.remaining === 0 ? State.TrailerLineStart : State.Data;
        return;
      case State.DataCr:
        if (c !== 0x0d) throw this.makeError('chunk data longer than its size');
        this.state = State.DataLf;
        return;
      case State.DataLf:
        if (c !== 0x0a) throw this.makeError('chunk data longer than its size');
        this.sizeDigits = 0;
        this.state = State.Size;
        return;
      case State.TrailerLineStart:
        if (c === 0x0d) this.state = State.FinalLf;
        else if (c === 0x20 || c === 0x09 || c === 0x0a) throw this.makeError('bad trailer line');
        else this.trailerByte(State.TrailerLine);
        return;
      case State.TrailerLine:
        if (c === 0x0d) this.trailerByte(State.TrailerLf);
        else if (c === 0x0a || c === 0) throw this.makeError('bad trailer line');
        else this.trailerByte(State.TrailerLine);
        return;
      case State.TrailerLf:
        if (c !== 0x0a) throw this.makeError('bad trailer line');
        this.trailerByte(State.TrailerLineStart);
        return;
      case State.FinalLf:
        if (c !== 0x0a) throw this.makeError('bad end of chunked body');
        this.state = State.Done;
        return;
      default:
        return;
    }
  }

  private onSize(c: number): void {
    const digit = hexValue(c);
    if (digit >= 0) {
      // 13 hex digits stay below 2^53: larger sizes are refused rather than wrapped.
      if (++this.sizeDigits > 13) throw this.makeError('chunk size too large');
      this.remaining = this.remaining * 16 + digit;
      this.countLine();
      return;
    }
    if (this.sizeDigits === 0) throw this.makeError('bad chunk size');
    if (c === 0x3b || c === 0x20 || c === 0x09) {
      this.countLine();
      this.state = State.Ext;
    } else if (c === 0x0d) {
      this.state = State.SizeLf;
    } else {
      throw this.makeError('bad chunk size');
    }
  }

  private countLine(): void {
    if (++this.lineBytes > MAX_CHUNK_LINE_BYTES) throw this.makeError('chunk size line too long');
  }

  private trailerByte(next: State): void {
    if (++this.trailerBytes > MAX_TRAILER_BYTES) throw this.makeError('trailers too large');
    this.state = next;
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}
