// The secrets a control plane signs and authenticates with: the CA's signer, the pod-token key
// and the admin token.
//
// - One process opens the store (SQLite): they live in the state directory, as always.
// - A store replicas share (etcd): they live in the store, sealed under the certificate key, as
//   kubeadm's `upload-certs` does. The first control plane to start seals what it has (the state
//   directory's, when an earlier `up` made them there; otherwise new ones, in memory) and creates
//   the slot if it is still empty; of replicas starting together one wins, the others open the
//   winner's. The slot is one key written once, so the store never holds half of them. A wrong
//   certificate key fails before anything is written anywhere.
// - A plugged-in CA (Istio `cacerts`) is read by each replica from its own directory; the store
//   then holds the roots' fingerprints, and a replica whose cacerts has other roots is refused.

import type { CaSigner, Clock } from '../../identity/index.js';
import { PodTokenIssuer } from '../../identity/index.js';
import type { SecretSlot } from '../../store/index.js';
import {
  loadCaSigner,
  loadPodTokenKey,
  newRootSigner,
  pluggedInSigner,
  readPersistedRoot,
  readPodTokenKey,
  rootSigner,
} from '../ca/index.js';
import { ensureAdminCredential, readAdminCredential } from '../apiserver/index.js';
import { randomBytes } from 'node:crypto';
import {
  certificateKeyFile,
  generateCertificateKey,
  parseCertificateKey,
  readCertificateKeyFile,
  removeCertificateKeyFile,
  writeCertificateKeyFile,
} from './certificate-key.js';
import { ClusterSecretsError } from './cluster-secrets-error.js';
import {
  rootFingerprint,
  sealClusterSecrets,
  sha256Hex,
  unsealClusterSecrets,
  type ClusterSecrets,
} from './sealed-cluster-secrets.js';

export interface LoadClusterSecretsOptions {
  stateDir: string;
  trustDomain: string;
  pluggedInCaDir?: string;
  /** The store's slot for them; undefined on a store one process opens (SQLite). */
  slot?: SecretSlot;
  /** `--certificate-key` (64 hex digits); else the state directory's, else a new one when first. */
  certificateKey?: string;
  clock?: Clock;
}

export interface LoadedClusterSecrets {
  signer: CaSigner;
  podTokenKey: Buffer;
  adminToken: string;
  /** SHA-256 of the admin token: all the API server needs to check it. */
  adminTokenSha256: Buffer;
  /** With a shared store: the certificate key and whether this start made it (print it once). */
  certificateKey?: { hex: string; created: boolean; file: string };
}

export async function loadClusterSecrets(options: LoadClusterSecretsOptions): Promise<LoadedClusterSecrets> {
  if (options.slot === undefined) return loadLocal(options);
  return loadShared(options, options.slot);
}

async function loadLocal(options: LoadClusterSecretsOptions): Promise<LoadedClusterSecrets> {
  const signer = await loadCaSigner({
    stateDir: options.stateDir,
    trustDomain: options.trustDomain,
    ...(options.pluggedInCaDir === undefined ? {} : { pluggedInCaDir: options.pluggedInCaDir }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const podTokenKey = await loadPodTokenKey(options.stateDir);
  const { token } = await ensureAdminCredential(options.stateDir);
  return { signer, podTokenKey, adminToken: token, adminTokenSha256: Buffer.from(sha256Hex(token), 'hex') };
}

async function loadShared(
  options: LoadClusterSecretsOptions,
  slot: SecretSlot,
): Promise<LoadedClusterSecrets> {
  const given =
    options.certificateKey === undefined
      ? await readCertificateKeyFile(options.stateDir)
      : parseCertificateKey(options.certificateKey, '--certificate-key');
  const stored = await slot.read();
  const { key, created, secrets } =
    stored === undefined
      ? await createOrOpen(options, slot, given)
      : { key: requireKey(given, slot), created: false, secrets: undefined };
  const opened = secrets ?? unsealClusterSecrets(stored as Buffer, key, slot.location);
  const signer = await signerOf(opened, options, slot.location);
  // Kept where a restart finds it, so that only the first start of a replica needs the flag.
  if (!created) await keepCertificateKey(options.stateDir, key);
  return {
    signer,
    podTokenKey: opened.podTokenKey,
    adminToken: opened.adminToken,
    adminTokenSha256: Buffer.from(sha256Hex(opened.adminToken), 'hex'),
    certificateKey: { hex: key.toString('hex'), created, file: certificateKeyFile(options.stateDir) },
  };
}

function requireKey(given: Buffer | undefined, slot: SecretSlot): Buffer {
  if (given !== undefined) return given;
  throw new ClusterSecretsError(
    'AUTOMESH_ERR_CLUSTER_SECRETS_KEY_MISSING',
    `the cluster secrets in ${slot.location} are sealed: start with --certificate-key KEY ` +
      `(the key the first control plane printed, in its $AUTOMESH_HOME/certificate-key)`,
  );
}

/** The slot is empty: seal ours and create it, or, when another replica got there first, open its. */
async function createOrOpen(
  options: LoadClusterSecretsOptions,
  slot: SecretSlot,
  given: Buffer | undefined,
): Promise<{ key: Buffer; created: boolean; secrets: ClusterSecrets }> {
  const key = given ?? generateCertificateKey();
  const mine = await localSecrets(options);
  // A new key is kept before the secrets are written: a crash in between must not leave sealed
  // secrets nobody can open.
  if (given === undefined) await writeCertificateKeyFile(options.stateDir, key);
  const outcome = await slot.createIfAbsent(sealClusterSecrets(mine, key));
  if (outcome.created) return { key, created: given === undefined, secrets: mine };
  if (given === undefined) {
    // Ours lost the race, and a key made here cannot open what the winner sealed.
    await removeCertificateKeyFile(options.stateDir);
    throw new ClusterSecretsError(
      'AUTOMESH_ERR_CLUSTER_SECRETS_KEY_MISSING',
      `another control plane created the cluster secrets in ${slot.location} at the same time, ` +
        `under its certificate key: start this one with --certificate-key KEY (the key it printed)`,
    );
  }
  return { key, created: false, secrets: unsealClusterSecrets(outcome.value, key, slot.location) };
}

async function keepCertificateKey(stateDir: string, key: Buffer): Promise<void> {
  const kept = await readCertificateKeyFile(stateDir).catch(() => undefined);
  if (kept === undefined || !kept.equals(key)) await writeCertificateKeyFile(stateDir, key);
}

/** What this replica would share if it is the first: its state directory's, or new ones. */
async function localSecrets(options: LoadClusterSecretsOptions): Promise<ClusterSecrets> {
  const { stateDir, trustDomain } = options;
  const podTokenKey = (await readPodTokenKey(stateDir)) ?? PodTokenIssuer.generateKey();
  const adminToken = (await readAdminCredential(stateDir))?.token ?? randomBytes(32).toString('base64url');
  if (options.pluggedInCaDir !== undefined) {
    const plugged = await pluggedInSigner(options.pluggedInCaDir, trustDomain);
    return { rootFingerprints: plugged.rootsPem.map(rootFingerprint), podTokenKey, adminToken };
  }
  const root =
    (await readPersistedRoot(stateDir, trustDomain)) ?? (await newRootSigner(trustDomain, options.clock));
  return {
    root: { certPem: root.certPem, keyPem: root.keys.privateKeyPem },
    rootFingerprints: [rootFingerprint(root.certPem)],
    podTokenKey,
    adminToken,
  };
}

async function signerOf(
  secrets: ClusterSecrets,
  options: LoadClusterSecretsOptions,
  where: string,
): Promise<CaSigner> {
  if (options.pluggedInCaDir === undefined) {
    if (secrets.root === undefined) {
      throw new ClusterSecretsError(
        'AUTOMESH_ERR_CLUSTER_SECRETS_CA',
        `the cluster's CA in ${where} is plugged in (Istio cacerts): give this replica the same cacerts directory`,
      );
    }
    return rootSigner(secrets.root.certPem, secrets.root.keyPem, options.trustDomain);
  }
  const plugged = await pluggedInSigner(options.pluggedInCaDir, options.trustDomain);
  const fingerprints = plugged.rootsPem.map(rootFingerprint).sort();
  if (fingerprints.join() !== [...secrets.rootFingerprints].sort().join()) {
    throw new ClusterSecretsError(
      'AUTOMESH_ERR_CLUSTER_SECRETS_CA',
      `${options.pluggedInCaDir}/root-cert.pem holds other roots than the cluster's (${where}): ` +
        `every replica must sign under the same roots`,
    );
  }
  return plugged;
}
