// The HTTP-or-not sniff of `auto` ports, as a pure function of the first bytes of a connection.
// What it calls not HTTP goes to the app as raw bytes, unchecked, so it errs towards HTTP:
// anything an app's HTTP parser might take for a request, or for the start of one, must never
// come out 'not-http', or a forged X-Forwarded-Client-Cert would reach the app that way.

/**
 * 'undecided': the bytes so far could still be the start of a request. When no more bytes will be
 * waited for, that is HTTP too (settleHttpSniff): only 'not-http' ever goes raw.
 */
export type HttpSniff = 'http' | 'not-http' | 'undecided';

/**
 * How far into a connection the sniff looks. A first line still undecided at this length is taken
 * for HTTP (the HTTP session refuses what it cannot parse), so the cap bounds only what is held
 * while sniffing, and how long a first line of another text protocol (memcached's multi-key get)
 * can be and still be piped raw. Decided on these first bytes only, so that a decision on a prefix
 * is the decision on the whole.
 */
export const HTTP_SNIFF_BYTES = 8192;

const LF = 0x0a;
const SPACE = 0x20;

/** RFC 9110 token characters: what any HTTP parser may take as a method. */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
  TCHAR[c.charCodeAt(0)] = 1;

/**
 * Bytes some parser splits a request line on or skips before it: SP, HTAB, CR, LF, and what
 * Python's `str.split()` also takes for whitespace once bytes are read as Latin-1.
 */
const LOOSE_SPACE = new Uint8Array(256);
for (const c of [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0]) LOOSE_SPACE[c] = 1;

/** Methods as strict parsers (Node's llhttp) spell them: capitals, dashes, underscores (M-SEARCH). */
function strictMethod(buf: Buffer, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = buf[i]!;
    if (!((c >= 0x41 && c <= 0x5a) || c === 0x2d || c === 0x5f)) return false;
  }
  return true;
}

/**
 * Whether the first bytes of a connection start an HTTP/1.x request. Whitespace before the
 * request line counts as HTTP (parsers skip empty lines, RFC 9112 §2.2, and Python's splits the
 * line on any whitespace), as does any method token followed by a request line that names an
 * HTTP version (lenient parsers, such as Go's and Python's, accept lower-case and made-up methods).
 * 'not-http' only for bytes no such parser reads as a request: a first byte that is neither a
 * token character nor whitespace, a token ended by anything but whitespace, or a whole first line
 * that names no HTTP version and whose method only a lenient parser would take.
 */
export function sniffHttp(input: Buffer): HttpSniff {
  if (input.length < HTTP_SNIFF_BYTES) return sniffPrefix(input);
  const verdict = sniffPrefix(input.subarray(0, HTTP_SNIFF_BYTES));
  return verdict === 'undecided' ? 'http' : verdict;
}

/**
 * The verdict when no more bytes will be waited for (the sniff timed out, or the client ended):
 * bytes that could still be a request are HTTP. A client that has sent nothing at all is the
 * caller's to handle (a server-first protocol waits for the app to speak).
 */
export function settleHttpSniff(input: Buffer): 'http' | 'not-http' {
  return sniffHttp(input) === 'not-http' ? 'not-http' : 'http';
}

function sniffPrefix(buf: Buffer): HttpSniff {
  if (buf.length === 0) return 'undecided';
  if (LOOSE_SPACE[buf[0]!] === 1) return 'http';
  let i = 0;
  while (i < buf.length && TCHAR[buf[i]!] === 1) i++;
  if (i === buf.length) return 'undecided';
  if (i === 0 || LOOSE_SPACE[buf[i]!] !== 1) return 'not-http';
  if (buf[i] === SPACE && strictMethod(buf, i)) return 'http';
  const lineEnd = buf.indexOf(LF, i);
  if (buf.toString('latin1', i, lineEnd === -1 ? buf.length : lineEnd).includes('HTTP/')) return 'http';
  return lineEnd === -1 ? 'undecided' : 'not-http';
}
