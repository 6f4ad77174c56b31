// The cluster's secrets as one value in the store, sealed with AES-256-GCM under the certificate
// key. What every replica may read in the clear is only what verification needs: the root
// certificate (public anyway), the roots' fingerprints and the SHA-256 of the admin token. The root
// key, the pod-token signing key and the admin token itself are in the sealed part. The clear part
// is the cipher's additional data, so it cannot be changed without the seal failing.
//
// Stored as JSON:
//   { "format": "automesh.io/cluster-secrets/v1",
//     "clear": { "ca": "self-signed" | "plugged-in", "rootCertPem"?, "rootFingerprints": [...],
//                "adminTokenSha256": hex },
//     "sealed": { "cipher": "aes-256-gcm", "iv": b64, "tag": b64, "data": b64 } }

import { createCipheriv, createDecipheriv, createHash, randomBytes, X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../../store/index.js';
import { ClusterSecretsError } from './cluster-secrets-error.js';

export const CLUSTER_SECRETS_FORMAT = 'automesh.io/cluster-secrets/v1';
const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;

/** What the replicas share. */
export interface ClusterSecrets {
  /** The self-signed root; undefined when the CA is plugged in (each replica reads its cacerts). */
  root?: { certPem: string; keyPem: string };
  /** SHA-256 fingerprints of the roots workloads trust: a plugged-in CA must have the same ones. */
  rootFingerprints: string[];
  podTokenKey: Buffer;
  adminToken: string;
}

/** What a replica can know without the certificate key. */
export interface ClearPart {
  ca: 'self-signed' | 'plugged-in';
  rootCertPem?: string;
  rootFingerprints: string[];
  adminTokenSha256: string;
}

const Stored = z.strictObject({
  format: z.literal(CLUSTER_SECRETS_FORMAT),
  clear: z.strictObject({
    ca: z.enum(['self-signed', 'plugged-in']),
    rootCertPem: z.string().optional(),
    rootFingerprints: z.array(z.string()),
    adminTokenSha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  sealed: z.strictObject({
    cipher: z.literal(CIPHER),
    iv: z.string(),
    tag: z.string(),
    data: z.string(),
  }),
});

const Sealed = z.strictObject({
  rootKeyPem: z.string().optional(),
  podTokenKey: z.string(),
  adminToken: z.string(),
});

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function rootFingerprint(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

export function sealClusterSecrets(secrets: ClusterSecrets, key: Buffer): Buffer {
  const clear: ClearPart = {
    ca: secrets.root === undefined ? 'plugged-in' : 'self-signed',
    ...(secrets.root === undefined ? {} : { rootCertPem: secrets.root.certPem }),
    rootFingerprints: secrets.rootFingerprints,
    adminTokenSha256: sha256Hex(secrets.adminToken),
  };
  const plain = JSON.stringify({
    ...(secrets.root === undefined ? {} : { rootKeyPem: secrets.root.keyPem }),
    podTokenKey: secrets.podTokenKey.toString('base64'),
    adminToken: secrets.adminToken,
  });
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(CIPHER, key, iv);
  cipher.setAAD(Buffer.from(canonicalJson(clear)));
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.from(
    JSON.stringify({
      format: CLUSTER_SECRETS_FORMAT,
      clear,
      sealed: {
        cipher: CIPHER,
        iv: iv.toString('base64'),
        tag: cipher.getAuthTag().toString('base64'),
        data: data.toString('base64'),
      },
    }),
  );
}

function parseStored(value: Buffer, where: string): z.infer<typeof Stored> {
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (err) {
    throw new ClusterSecretsError('AUTOMESH_ERR_CLUSTER_SECRETS_FORMAT', `${where} is not JSON`, {
      cause: err,
    });
  }
  const parsed = Stored.safeParse(json);
  if (!parsed.success) {
    throw new ClusterSecretsError(
      'AUTOMESH_ERR_CLUSTER_SECRETS_FORMAT',
      `${where} is not ${CLUSTER_SECRETS_FORMAT}: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}

/** The secrets, opened with `key`; a wrong key (or a changed value) fails with KEY_WRONG. */
export function unsealClusterSecrets(value: Buffer, key: Buffer, where: string): ClusterSecrets {
  const stored = parseStored(value, where);
  let plain: string;
  try {
    const decipher = createDecipheriv(CIPHER, key, Buffer.from(stored.sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(canonicalJson(stored.clear)));
    decipher.setAuthTag(Buffer.from(stored.sealed.tag, 'base64'));
    plain = Buffer.concat([
      decipher.update(Buffer.from(stored.sealed.data, 'base64')),
      decipher.final(),
    ]).toString('utf8');
  } catch (err) {
    throw new ClusterSecretsError(
      'AUTOMESH_ERR_CLUSTER_SECRETS_KEY_WRONG',
      `the certificate key does not open the cluster secrets in ${where} (the seal does not verify): ` +
        `give the key the first control plane printed (its $AUTOMESH_HOME/certificate-key)`,
      { cause: err },
    );
  }
  const sealed = Sealed.parse(JSON.parse(plain));
  const { clear } = stored;
  if (clear.ca === 'self-signed' && (clear.rootCertPem === undefined || sealed.rootKeyPem === undefined)) {
    throw new ClusterSecretsError(
      'AUTOMESH_ERR_CLUSTER_SECRETS_FORMAT',
      `${where}: a self-signed CA without its root`,
    );
  }
  return {
    ...(clear.rootCertPem === undefined || sealed.rootKeyPem === undefined
      ? {}
      : { root: { certPem: clear.rootCertPem, keyPem: sealed.rootKeyPem } }),
    rootFingerprints: clear.rootFingerprints,
    podTokenKey: Buffer.from(sealed.podTokenKey, 'base64'),
    adminToken: sealed.adminToken,
  };
}
