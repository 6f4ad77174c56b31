// Pod credentials: a compact JWS (HS256) the runtime mints per pod, bound to namespace, service
// account, pod name and pod UID, with the CA as audience and a short expiry. It plays the role of
// Kubernetes' projected service-account token for Istio's CA. The HMAC key stays in the control
// plane, which both mints (through the runtime) and verifies.

import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';

export const POD_TOKEN_AUDIENCE = 'automesh-ca';
export const POD_TOKEN_ISSUER = 'automesh';
export const POD_TOKEN_KEY_BYTES = 32;
/** Tokens longer than this are refused before any parsing. */
const MAX_TOKEN_LENGTH = 4096;

export interface PodBinding {
  namespace: string;
  serviceAccount: string;
  pod: string;
  podUid: string;
}

export interface PodTokenClaims extends PodBinding {
  audience: string;
  issuedAt: number;
  expiresAt: number;
  tokenId: string;
}

export type PodTokenCheck =
  | { ok: true; claims: PodTokenClaims }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' | 'not-yet-valid' | 'wrong-audience' };

export interface PodTokenVerifier {
  verify(token: string): PodTokenCheck;
}

interface WireClaims {
  iss: string;
  aud: string;
  sub: string;
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
  'automesh.io/pod': { namespace: string; serviceAccount: string; name: string; uid: string };
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
/** Allowed clock skew between the minting and verifying clocks. */
const SKEW_SECONDS = 30;

function isString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0;
}

function decodeClaims(payload: string): WireClaims | undefined {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    // Not JSON: reported as a malformed token.
    return undefined;
  }
  const c = json as Partial<WireClaims> | null;
  const pod = c?.['automesh.io/pod'];
  const wellFormed =
    c !== null &&
    isString(c.aud) &&
    isString(c.jti) &&
    typeof c.iat === 'number' &&
    typeof c.nbf === 'number' &&
    typeof c.exp === 'number' &&
    pod !== undefined &&
    isString(pod.namespace) &&
    isString(pod.serviceAccount) &&
    isString(pod.name) &&
    isString(pod.uid);
  return wellFormed ? (c as WireClaims) : undefined;
}

/** Mints and verifies pod tokens with one HMAC key; `verify` returns a value, never throws. */
export class PodTokenIssuer implements PodTokenVerifier {
  private readonly key: Buffer;

  constructor(
    key: Buffer,
    private readonly clock: Clock = systemClock,
    private readonly audience: string = POD_TOKEN_AUDIENCE,
  ) {
    if (key.length < POD_TOKEN_KEY_BYTES) throw new RangeError('pod token key must be at least 32 bytes');
    this.key = Buffer.from(key);
  }

  /** A fresh random signing key. */
  static generateKey(): Buffer {
    return randomBytes(POD_TOKEN_KEY_BYTES);
  }

  mint(pod: PodBinding, ttlSeconds: number, audience: string = this.audience): string {
    const now = Math.floor(this.clock.now() / 1000);
    const claims: WireClaims = {
      iss: POD_TOKEN_ISSUER,
      aud: audience,
      sub: `system:serviceaccount:${pod.namespace}:${pod.serviceAccount}`,
      iat: now,
      nbf: now,
      exp: now + Math.max(1, Math.floor(ttlSeconds)),
      jti: randomUUID(),
      'automesh.io/pod': {
        namespace: pod.namespace,
        serviceAccount: pod.serviceAccount,
        name: pod.pod,
        uid: pod.podUid,
      },
    };
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${HEADER}.${payload}.${this.sign(`${HEADER}.${payload}`)}`;
  }

  verify(token: string): PodTokenCheck {
    if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== HEADER) return { ok: false, reason: 'malformed' };
    const [header, payload = '', signature = ''] = parts;
    const expected = Buffer.from(this.sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, reason: 'bad-signature' };
    }
    const claims = decodeClaims(payload);
    if (claims === undefined) return { ok: false, reason: 'malformed' };
    const now = Math.floor(this.clock.now() / 1000);
    if (claims.aud !== this.audience) return { ok: false, reason: 'wrong-audience' };
    if (now >= claims.exp + SKEW_SECONDS) return { ok: false, reason: 'expired' };
    if (now + SKEW_SECONDS < claims.nbf) return { ok: false, reason: 'not-yet-valid' };
    const pod = claims['automesh.io/pod'];
    return {
      ok: true,
      claims: {
        namespace: pod.namespace,
        serviceAccount: pod.serviceAccount,
        pod: pod.name,
        podUid: pod.uid,
        audience: claims.aud,
        issuedAt: claims.iat,
        expiresAt: claims.exp,
        tokenId: claims.jti,
      },
    };
  }

  private sign(input: string): string {
    return createHmac('sha256', this.key).update(input).digest('base64url');
  }
}
