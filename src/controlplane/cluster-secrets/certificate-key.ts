// The certificate key: 32 random bytes, written as 64 hex digits, that seal the cluster's secrets
// in the store (kubeadm's `--certificate-key` of `upload-certs`). It never enters the store: the
// first control plane prints it once and keeps it in its state directory (0600); later replicas
// are given it.

import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writePrivateFile } from '../ca/index.js';
import { ClusterSecretsError } from './cluster-secrets-error.js';

export const CERTIFICATE_KEY_FILE = 'certificate-key';
export const CERTIFICATE_KEY_BYTES = 32;

/** The key from its 64 hex digits; the error says what is wrong without echoing the input. */
export function parseCertificateKey(text: string, from: string): Buffer {
  const trimmed = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(trimmed)) {
    throw new ClusterSecretsError(
      'AUTOMESH_ERR_CLUSTER_SECRETS_KEY_FORMAT',
      `${from} must be 64 hex digits (32 bytes, as printed by the first 'automesh up'), ` +
        `got ${trimmed.length} characters${/^[0-9a-fA-F]*$/.test(trimmed) ? '' : ' with non-hex ones'}`,
    );
  }
  return Buffer.from(trimmed, 'hex');
}

export function generateCertificateKey(): Buffer {
  return randomBytes(CERTIFICATE_KEY_BYTES);
}

export function certificateKeyFile(stateDir: string): string {
  return join(stateDir, CERTIFICATE_KEY_FILE);
}

/** The key kept in the state directory, or undefined when there is none. */
export async function readCertificateKeyFile(stateDir: string): Promise<Buffer | undefined> {
  const file = certificateKeyFile(stateDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return parseCertificateKey(text, file);
}

export async function writeCertificateKeyFile(stateDir: string, key: Buffer): Promise<void> {
  await writePrivateFile(certificateKeyFile(stateDir), `${key.toString('hex')}\n`);
}

export async function removeCertificateKeyFile(stateDir: string): Promise<void> {
  await rm(certificateKeyFile(stateDir), { force: true });
}
