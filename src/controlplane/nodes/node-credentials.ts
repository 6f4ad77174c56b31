// A node's credential for the API server: `amnode.<base64url node name>.<HMAC-SHA256>`, so it
// names exactly one node and the API server needs no table to check it. The HMAC key is derived
// (HKDF-SHA256, its own label) from the cluster's pod-token key, which every control-plane replica
// already shares (sealed in etcd, or the state directory's on one machine): a credential one
// replica issued is good at all of them. Like a kubelet's client certificate it has no short
// expiry; rotating the pod-token key revokes every node credential at once.

import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** HKDF's info for the node-credential key: never the same key as the pod tokens'. */
const KEY_LABEL = 'automesh node credentials v1';
const PREFIX = 'amnode';
const KEY_BYTES = 32;
/** DNS-1123 subdomain, as Kubernetes node names. */
const NODE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export function isNodeName(name: string): boolean {
  return NODE_NAME.test(name);
}

export class NodeCredentialIssuer {
  private constructor(private readonly key: Buffer) {}

  /** The issuer whose key is derived from the cluster's pod-token key (the same on every replica). */
  static fromClusterKey(podTokenKey: Buffer): NodeCredentialIssuer {
    if (podTokenKey.length < KEY_BYTES)
      throw new RangeError(`the cluster key must be at least ${KEY_BYTES} bytes`);
    return new NodeCredentialIssuer(
      Buffer.from(hkdfSync('sha256', podTokenKey, Buffer.alloc(0), KEY_LABEL, KEY_BYTES)),
    );
  }

  mint(nodeName: string): string {
    if (!isNodeName(nodeName)) throw new RangeError(`"${nodeName}" is not a valid node name`);
    const body = `${PREFIX}.${Buffer.from(nodeName, 'utf8').toString('base64url')}`;
    return `${body}.${this.sign(body)}`;
  }

  /** The node a credential names, or undefined when it is not one this key signed. */
  verify(token: string): string | undefined {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== PREFIX || token.length > 400) return undefined;
    const body = `${parts[0]}.${parts[1]}`;
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(parts[2] ?? '');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    const name = Buffer.from(parts[1] ?? '', 'base64url').toString('utf8');
    return isNodeName(name) ? name : undefined;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
