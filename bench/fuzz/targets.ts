// Property-based fuzz targets for the sidecar's byte-level parsers: ClientHello/ALPN sniffing, the
// HTTP request head parser and writer, and SPIFFE ID → XFCC building. Each iteration draws an input
// from a seeded generator (replayable from the printed seed) and checks invariants; a violation
// throws FuzzFailure with the input. No dependencies: a tiny PRNG and hand-written generators.
import { X509Certificate } from 'node:crypto';
import { sniffClientHello } from '../../src/proxy/tls/client-hello.js';
import type { HelloSniff } from '../../src/proxy/tls/client-hello.js';
import { sniffHttp } from '../../src/proxy/session/http-sniff.js';
import { checkRequestPrefix, parseRequestHead } from '../../src/proxy/http/request-head.js';
import type { RequestHead } from '../../src/proxy/http/request-head.js';
import { findHeadEnd } from '../../src/proxy/http/head-lines.js';
import { isDropped, writeRequestHead } from '../../src/proxy/http/head-writer.js';
import { HttpError } from '../../src/proxy/http/http-error.js';
import { spiffeIdOf, uriSans, xfccElement } from '../../src/proxy/tls/spiffe-san.js';

export type Random = () => number;

/** Deterministic PRNG (mulberry32). */
export function prng(seed: number): Random {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FuzzFailure extends Error {
  constructor(
    message: string,
    readonly input: unknown,
  ) {
    super(`${message}\ninput: ${JSON.stringify(input)}`);
    this.name = 'FuzzFailure';
  }
}

export interface FuzzTarget {
  name: string;
  /** One iteration: draw an input, check the invariants, throw FuzzFailure on a violation. */
  run(random: Random): void;
}

const int = (r: Random, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Random, items: readonly T[]): T => items[int(r, items.length)]!;
const chance = (r: Random, p: number): boolean => r() < p;
const bytes = (r: Random, n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(r, 256)));

// ---------------------------------------------------------------- ClientHello sniffing

function alpnName(r: Random): string {
  if (chance(r, 0.5)) return pick(r, ['istio', 'istio-peer-exchange', 'http/1.1', 'h2', 'istio-http/1.1']);
  return bytes(r, 1 + int(r, 12)).toString('latin1');
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

/** A well-formed TLS 1.2/1.3-style ClientHello record offering `alpn` (no ALPN extension when undefined). */
export function buildClientHello(r: Random, alpn: string[] | undefined): Buffer {
  const extensions: Buffer[] = [];
  for (let i = int(r, 5); i > 0; i--) {
    let type = int(r, 0xffff);
    if (type === 0x0010) type = 0x0011;
    const data = bytes(r, int(r, 40));
    extensions.push(Buffer.concat([u16(type), u16(data.length), data]));
  }
  if (alpn !== undefined) {
    const list = Buffer.concat(
      alpn.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'latin1')])),
    );
    const ext = Buffer.concat([u16(0x0010), u16(list.length + 2), u16(list.length), list]);
    extensions.splice(int(r, extensions.length + 1), 0, ext);
  }
  const ext = Buffer.concat(extensions);
  const sessionId = bytes(r, int(r, 33));
  const ciphers = bytes(r, 2 * (1 + int(r, 20)));
  const body = Buffer.concat([
    Buffer.from([0x03, 0x03]),
    bytes(r, 32),
    Buffer.from([sessionId.length]),
    sessionId,
    u16(ciphers.length),
    ciphers,
    Buffer.from([1, 0]),
    u16(ext.length),
    ext,
  ]);
  const hs = Buffer.concat([Buffer.from([0x01, 0, 0, 0]), body]);
  hs.writeUIntBE(body.length, 1, 3);
  return Buffer.concat([Buffer.from([0x16, 0x03, pick(r, [0x01, 0x03])]), u16(hs.length), hs]);
}

function sameSniff(a: HelloSniff, b: HelloSniff): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function checkSniffShape(s: HelloSniff, input: Buffer): void {
  if (s.kind !== 'tls' && s.kind !== 'not-tls' && s.kind !== 'need-more')
    throw new FuzzFailure(`unknown kind ${JSON.stringify(s)}`, input.toString('hex'));
  if (s.kind === 'tls') {
    for (const name of s.alpn)
      if (name.length < 1 || name.length > 255)
        throw new FuzzFailure('ALPN name outside 1..255 bytes', input.toString('hex'));
  }
}

function sniff(input: Buffer): HelloSniff {
  try {
    return sniffClientHello(input);
  } catch (err) {
    throw new FuzzFailure(`sniffClientHello threw ${String(err)}`, input.toString('hex'));
  }
}

export const clientHelloTarget: FuzzTarget = {
  name: 'ClientHello/ALPN sniffing',
  run(r) {
    const alpn = chance(r, 0.2) ? undefined : Array.from({ length: 1 + int(r, 4) }, () => alpnName(r));
    const hello = buildClientHello(r, alpn);
    const mode = int(r, 3);
    if (mode === 0) {
      // Well formed: the offered protocols exactly; any shorter prefix asks for more bytes.
      const s = sniff(hello);
      if (!sameSniff(s, { kind: 'tls', alpn: alpn ?? [] }))
        throw new FuzzFailure(
          `read ${JSON.stringify(s)} instead of ${JSON.stringify(alpn)}`,
          hello.toString('hex'),
        );
      const cut = int(r, hello.length);
      if (sniff(hello.subarray(0, cut)).kind !== 'need-more')
        throw new FuzzFailure(`prefix of ${cut} bytes decided early`, hello.toString('hex'));
      return;
    }
    const input =
      mode === 1 ? Buffer.from(hello) : Buffer.concat([Buffer.from([0x16, 0x03]), bytes(r, int(r, 300))]);
    if (mode === 1) for (let k = 1 + int(r, 6); k > 0; k--) input[int(r, input.length)] = int(r, 256);
    const full = sniff(input);
    checkSniffShape(full, input);
    // A decision made on a prefix (what the sidecar acts on) is the decision on the whole input.
    const cut = int(r, input.length + 1);
    const early = sniff(input.subarray(0, cut));
    checkSniffShape(early, input);
    if (early.kind !== 'need-more' && !sameSniff(early, full))
      throw new FuzzFailure(
        `prefix ${cut} said ${JSON.stringify(early)}, whole ${JSON.stringify(full)}`,
        input.toString('hex'),
      );
    // Same for the HTTP-or-not sniff of `auto` ports.
    const text = chance(r, 0.5)
      ? Buffer.from(
          `${pick(r, ['GET', 'POST', 'PRI', 'X', 'get', ''])} /${bytes(r, 8).toString('latin1')}`,
          'latin1',
        )
      : input;
    const c2 = int(r, text.length + 1);
    const a = sniffHttp(text.subarray(0, c2));
    if (a !== 'undecided' && a !== sniffHttp(text))
      throw new FuzzFailure('sniffHttp changed its mind on more bytes', text.toString('hex'));
  },
};

// ---------------------------------------------------------------- HTTP request heads

const NAMES = [
  'Host',
  'host',
  'Content-Length',
  'content-length',
  'Transfer-Encoding',
  'Connection',
  'Upgrade',
  'Expect',
  'Keep-Alive',
  'TE',
  'Proxy-Authorization',
  'X-Forwarded-Client-Cert',
  'x_forwarded_client_cert',
  'X-Forwarded-Client_Cert',
  'X-A',
  'Content-Length ',
  ' Host',
  'Ho st',
  'X\u0000Y',
  'Trailer',
  'Authorization',
];

function headerValue(r: Random, name: string): string {
  switch (name.toLowerCase().trim()) {
    case 'content-length':
      return pick(r, ['0', '5', '12', '-1', '+3', '3, 3', '99999999999999999999', ' 7 ', '0x10', '']);
    case 'transfer-encoding':
      return pick(r, [
        'chunked',
        'Chunked',
        'gzip, chunked',
        'chunked, chunked',
        'identity',
        ' chunked',
        'chunked\u000b',
      ]);
    case 'connection':
      return pick(r, [
        'close',
        'keep-alive',
        'upgrade',
        'x-forwarded-client-cert',
        'content-length',
        'host, x-a',
        'Close, Upgrade',
        '',
      ]);
    case 'upgrade':
      return pick(r, ['websocket', 'h2c', '']);
    case 'expect':
      return pick(r, ['100-continue', '100-Continue', 'nothing']);
    default:
      return chance(r, 0.8)
        ? pick(r, ['a', 'By=spiffe://cluster.local/ns/evil/sa/x;URI=y', 'v v', '"q"', 'é'])
        : bytes(r, int(r, 6)).toString('latin1');
  }
}

/** A request head drawn from a grammar with anomalies mixed in; returned as latin1 text ending in CRLFCRLF. */
export function generateHead(r: Random): string {
  const method = chance(r, 0.9)
    ? pick(r, ['GET', 'POST', 'PUT', 'HEAD', 'OPTIONS', 'CONNECT', 'DELETE'])
    : pick(r, ['G ET', '', 'GET\u0000', 'get', 'M(']);
  const target = chance(r, 0.9)
    ? pick(r, ['/', '/a?b=c', 'http://x:1/p', 'x:443', '*', '/%00'])
    : pick(r, ['/ a', '', '/\u007f', '/é']);
  const version = chance(r, 0.9)
    ? pick(r, ['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0'])
    : pick(r, ['HTTP/2.0', 'HTTP/1.1 ', 'http/1.1', 'HTTP/1', 'HTTP/1.10']);
  const eol = (): string => (chance(r, 0.97) ? '\r\n' : pick(r, ['\n', '\r', '\r\r\n']));
  let text = `${method} ${target} ${version}${eol()}`;
  const n = int(r, 8);
  if (chance(r, 0.9)) text += `Host: ${pick(r, ['x', 'x:1', ''])}${eol()}`;
  for (let i = 0; i < n; i++) {
    const name = pick(r, NAMES);
    const sep = chance(r, 0.95) ? ': ' : pick(r, [':', ' : ', ':\t', '']);
    text += `${chance(r, 0.03) ? ' ' : ''}${name}${sep}${headerValue(r, name)}${eol()}`;
  }
  return `${text}\r\n`;
}

const XFCC = 'x-forwarded-client-cert';
const SIDECAR_XFCC =
  'By=spiffe://cluster.local/ns/full/sa/httpbin;Hash=ab;Subject="";URI=spiffe://cluster.local/ns/default/sa/sleep';
const normal = (name: string): string => name.toLowerCase().replace(/_/g, '-');

function parse(text: string): RequestHead | HttpError {
  try {
    return parseRequestHead(text);
  } catch (err) {
    if (err instanceof HttpError && [400, 431, 501, 505].includes(err.status)) return err;
    throw new FuzzFailure(`parseRequestHead threw ${String(err)}`, text);
  }
}

function checkNoSmuggling(head: RequestHead, text: string): void {
  const count = (n: string): number => head.headers.filter(([name]) => name.toLowerCase() === n).length;
  const te = head.headers.find(([name]) => name.toLowerCase() === 'transfer-encoding');
  const fail = (why: string): never => {
    throw new FuzzFailure(`accepted a smuggling shape: ${why}`, text);
  };
  if (count('content-length') > 1) fail('two Content-Length');
  if (count('transfer-encoding') > 1) fail('two Transfer-Encoding');
  if (te !== undefined && count('content-length') > 0) fail('Content-Length with Transfer-Encoding');
  if (te !== undefined && te[1].toLowerCase() !== 'chunked') fail(`Transfer-Encoding ${te[1]}`);
  if (te !== undefined && head.minor === 0) fail('Transfer-Encoding in HTTP/1.0');
  if (count('host') > 1 || (head.minor === 1 && count('host') === 0)) fail('Host count');
  for (const [name, value] of head.headers) {
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) fail(`header name ${JSON.stringify(name)}`);
    if (/[\r\n\u0000]/.test(value)) fail('CR, LF or NUL in a value');
  }
  const cl = head.headers.find(([name]) => name.toLowerCase() === 'content-length');
  const want = te !== undefined ? 'chunked' : cl !== undefined && Number(cl[1]) > 0 ? 'length' : 'none';
  if (head.body.kind !== want) fail(`framing ${head.body.kind}, headers say ${want}`);
  if (head.body.kind === 'length' && cl !== undefined && head.body.length !== Number(cl[1])) fail('length');
}

export const httpHeadTarget: FuzzTarget = {
  name: 'HTTP head parse/re-serialise',
  run(r) {
    const text = generateHead(r);
    // The early check never refuses a prefix of a head the parser accepts, nor throws anything else.
    const buf = Buffer.from(text, 'latin1');
    const cut = int(r, buf.length);
    let early: HttpError | undefined;
    try {
      checkRequestPrefix(buf.subarray(0, cut));
      findHeadEnd(buf.subarray(0, cut), 64 * 1024);
    } catch (err) {
      if (!(err instanceof HttpError)) throw new FuzzFailure(`prefix check threw ${String(err)}`, text);
      early = err;
    }
    const head = parse(text);
    if (head instanceof HttpError) return;
    if (early !== undefined)
      throw new FuzzFailure(`prefix of ${cut} refused (${early.message}) but the head parses`, text);
    checkNoSmuggling(head, text);
    // Re-serialised with the sidecar's XFCC: parses again to the same request, with exactly that XFCC.
    const out = writeRequestHead(head, { target: head.target, append: [`${XFCC}: ${SIDECAR_XFCC}`] });
    const again = parse(out);
    if (again instanceof HttpError)
      throw new FuzzFailure(`re-serialised head refused: ${again.message}\n${out}`, text);
    for (const key of ['method', 'target', 'minor', 'body', 'upgrade', 'expectContinue'] as const) {
      if (JSON.stringify(again[key]) !== JSON.stringify(head[key]))
        throw new FuzzFailure(
          `${key} changed: ${JSON.stringify(head[key])} → ${JSON.stringify(again[key])}\n${out}`,
          text,
        );
    }
    const xfcc = again.headers.filter(([name]) => normal(name) === XFCC).map(([, v]) => v);
    if (JSON.stringify(xfcc) !== JSON.stringify([SIDECAR_XFCC]))
      throw new FuzzFailure(`the app would see XFCC ${JSON.stringify(xfcc)}\n${out}`, text);
    const kept = head.headers.filter(([name]) => !isDropped(name.toLowerCase(), head.connectionTokens));
    const passed = again.headers.filter(([name]) => normal(name) !== XFCC).slice(0, kept.length);
    if (JSON.stringify(passed) !== JSON.stringify(kept))
      throw new FuzzFailure(`end-to-end headers changed\n${out}`, text);
    // Writing is idempotent: what the app receives re-serialises to itself.
    const plain = writeRequestHead(head, { target: head.target, append: [] });
    const plainAgain = parse(plain);
    if (
      plainAgain instanceof HttpError ||
      writeRequestHead(plainAgain, { target: head.target, append: [] }) !== plain
    )
      throw new FuzzFailure(`writing is not idempotent\n${plain}`, text);
  },
};

// ---------------------------------------------------------------- SPIFFE ID → XFCC

const TRUST_DOMAINS = ['cluster.local', 'evil.local', 'cluster.local.evil', 'cluster.localx'];
const SPIFFE_ID = /^spiffe:\/\/[a-z0-9._-]+(\/[A-Za-z0-9._-]+)+$/;

function sanValue(r: Random, td: string): string {
  const seg = (): string =>
    chance(r, 0.7)
      ? pick(r, ['ns', 'sa', 'default', 'sleep', 'a.b', 'x-y', 'x_y'])
      : pick(r, [
          'a;By=spiffe://cluster.local/ns/x',
          'a,URI=b',
          'a"b',
          'a b',
          '',
          '..',
          'a=b',
          'é',
          'a\\b',
          '%2F',
        ]);
  const path = chance(r, 0.6)
    ? `ns/${seg()}/sa/${seg()}`
    : Array.from({ length: 1 + int(r, 4) }, seg).join('/');
  const id = `spiffe://${chance(r, 0.8) ? td : pick(r, TRUST_DOMAINS)}/${path}`;
  // Node prints a SAN value with special characters as a JSON string.
  return chance(r, 0.2) ? JSON.stringify(id) : id;
}

/** A `subjectaltname` string as Node formats it: `DNS:a, URI:spiffe://..., IP Address:...`. */
function subjectAltName(r: Random, td: string): string {
  const entries = Array.from({ length: int(r, 4) }, () => {
    const kind = pick(r, ['URI', 'URI', 'URI', 'DNS', 'IP Address', 'email']);
    return `${kind}:${kind === 'URI' ? sanValue(r, td) : pick(r, ['a.b', '1.2.3.4', 'x@y', 'URI:spiffe://cluster.local/ns/a/sa/b'])}`;
  });
  return entries.join(', ');
}

let leaf: X509Certificate | undefined;

/** The XFCC builder needs a real certificate (its hash goes into the element). */
export function setFuzzCertificate(pem: string): void {
  leaf = new X509Certificate(pem);
}

export const xfccTarget: FuzzTarget = {
  name: 'SPIFFE ID → XFCC',
  run(r) {
    const td = pick(r, TRUST_DOMAINS);
    const san = subjectAltName(r, td);
    let id: string | undefined;
    try {
      id = spiffeIdOf(san, td);
      uriSans(san);
    } catch (err) {
      throw new FuzzFailure(`threw ${String(err)}`, san);
    }
    if (id === undefined) return;
    if (uriSans(san).length !== 1)
      throw new FuzzFailure('accepted a certificate without exactly one URI SAN', san);
    if (!id.startsWith(`spiffe://${td}/`)) throw new FuzzFailure(`accepted ${id} outside ${td}`, san);
    if (!SPIFFE_ID.test(id)) throw new FuzzFailure(`accepted a malformed SPIFFE ID ${id}`, san);
    if (leaf === undefined) return;
    const element = xfccElement(`spiffe://${td}/ns/full/sa/httpbin`, leaf, id);
    const fields = element.split(';');
    if (
      element.includes(',') ||
      /[\r\n]/.test(element) ||
      fields.length !== 4 ||
      !fields[3]!.startsWith('URI=')
    )
      throw new FuzzFailure(`XFCC element with extra fields or elements: ${element}`, san);
  },
};

export const FUZZ_TARGETS: readonly FuzzTarget[] = [clientHelloTarget, httpHeadTarget, xfccTarget];

export interface FuzzRun {
  target: string;
  seed: number;
  iterations: number;
  ms: number;
}

/** Runs one target for `ms` (checking the clock every 64 iterations) or until it fails. */
export function fuzzFor(target: FuzzTarget, seed: number, ms: number): FuzzRun {
  const random = prng(seed);
  const start = performance.now();
  let iterations = 0;
  for (;;) {
    for (let i = 0; i < 64; i++, iterations++) {
      try {
        target.run(random);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        throw new FuzzFailure(`${target.name}: iteration ${iterations} of seed ${seed}: ${message}`, null);
      }
    }
    const elapsed = performance.now() - start;
    if (elapsed >= ms) return { target: target.name, seed, iterations, ms: elapsed };
  }
}
