// A node's credential for the API server: `amnode.<base64url node name>.<HMAC-SHA256>`, signed
// with a key kept in `<stateDir>/ca/node-credential-key` (0600), so it names exactly one node and
// the API server needs no table to check it. Like a kubelet's client certificate it has no short
// expiry; rotating the key revokes every node credential at once.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writePrivateFile } from '../ca/private-file.js';

export const NODE_CREDENTIAL_KEY_FILE = 'ca/node-credential-key';
const PREFIX = 'amnode';
const KEY_BYTES = 32;
/** DNS-1123 subdomain, as Kubernetes node names. */
const NODE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export function isNodeName(name: string): boolean {
  return NODE_NAME.test(name);
}

export class NodeCredentialIssuer {
  private constructor(private readonly key: Buffer) {}

  /** The issuer with the state directory's key, made on first use. */
  static async inStateDir(stateDir: string): Promise<NodeCredentialIssuer> {
    const path = join(stateDir, NODE_CREDENTIAL_KEY_FILE);
    try {
      const key = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64');
      if (key.length >= KEY_BYTES) return new NodeCredentialIssuer(key);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const key = randomBytes(KEY_BYTES);
    await writePrivateFile(path, `${key.toString('base64')}\n`);
    return new NodeCredentialIssuer(key);
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
