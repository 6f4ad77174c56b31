// The mesh CA's signing material: a self-signed root created on first start and persisted under
// `<stateDir>/ca/`, or a plugged-in intermediate in Istio's `cacerts` layout.

import { readFile } from 'node:fs/promises';
import { X509Certificate, createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import type { CaSigner, Clock } from '../../identity/index.js';
import {
  createRootCertificate,
  generateKeyPair,
  importKeyPair,
  splitPemCertificates,
  systemClock,
  x509,
} from '../../identity/index.js';
import { CaError } from './ca-error.js';
import { writePrivateFile, writePublicFile } from './private-file.js';

export const ROOT_CERT_FILE = 'ca/root-cert.pem';
export const ROOT_KEY_FILE = 'ca/root-key.pem';

export interface LoadCaSignerOptions {
  stateDir: string;
  trustDomain: string;
  /** A directory with `ca-cert.pem`, `ca-key.pem`, `root-cert.pem`, `cert-chain.pem`. */
  pluggedInCaDir?: string;
  clock?: Clock;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CaError('AUTOMESH_ERR_CA_STATE', `cannot read ${path}`, { cause: err });
  }
}

/** The signer of a root certificate and its key (PEM), as persisted or as shared by replicas. */
export async function rootSigner(certPem: string, keyPem: string, trustDomain: string): Promise<CaSigner> {
  return {
    keys: await importKeyPair(keyPem),
    cert: new x509.X509Certificate(certPem),
    certPem,
    chainPem: [],
    rootsPem: [certPem],
    trustDomain,
  };
}

/** A fresh self-signed root, in memory only: the caller decides where it is kept. */
export async function newRootSigner(trustDomain: string, clock: Clock = systemClock): Promise<CaSigner> {
  const keys = await generateKeyPair();
  const cert = await createRootCertificate(trustDomain, keys, clock.now());
  const certPem = cert.toString('pem') + '\n';
  return { keys, cert, certPem, chainPem: [], rootsPem: [certPem], trustDomain };
}

/** The root persisted under `<stateDir>/ca/`, or undefined when there is none yet. */
export async function readPersistedRoot(
  stateDir: string,
  trustDomain: string,
): Promise<CaSigner | undefined> {
  const certPath = join(stateDir, ROOT_CERT_FILE);
  const keyPath = join(stateDir, ROOT_KEY_FILE);
  const [certPem, keyPem] = [await readIfExists(certPath), await readIfExists(keyPath)];
  if (certPem !== undefined && keyPem !== undefined) return rootSigner(certPem, keyPem, trustDomain);
  if (certPem !== undefined || keyPem !== undefined) {
    throw new CaError(
      'AUTOMESH_ERR_CA_STATE',
      `only one of ${certPath} and ${keyPath} exists; restore or remove both`,
    );
  }
  return undefined;
}

async function selfSignedSigner(options: LoadCaSignerOptions): Promise<CaSigner> {
  const persisted = await readPersistedRoot(options.stateDir, options.trustDomain);
  if (persisted !== undefined) return persisted;
  const fresh = await newRootSigner(options.trustDomain, options.clock);
  await writePrivateFile(join(options.stateDir, ROOT_KEY_FILE), fresh.keys.privateKeyPem);
  await writePublicFile(join(options.stateDir, ROOT_CERT_FILE), fresh.certPem);
  return fresh;
}

function sameKey(certPem: string, keyPem: string): boolean {
  const fromCert = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  const fromKey = createPublicKey(keyPem).export({ type: 'spki', format: 'der' });
  return fromCert.equals(fromKey);
}

export async function pluggedInSigner(dir: string, trustDomain: string): Promise<CaSigner> {
  const read = async (name: string): Promise<string> => {
    const text = await readIfExists(join(dir, name));
    if (text === undefined) throw new CaError('AUTOMESH_ERR_CA_PLUGGED_IN', `${join(dir, name)} is missing`);
    return text;
  };
  const [certPem, keyPem, rootPem, chainPem] = [
    await read('ca-cert.pem'),
    await read('ca-key.pem'),
    await read('root-cert.pem'),
    await read('cert-chain.pem'),
  ];
  const leafOfCa = splitPemCertificates(certPem)[0];
  const roots = splitPemCertificates(rootPem);
  if (leafOfCa === undefined || roots.length === 0) {
    throw new CaError(
      'AUTOMESH_ERR_CA_PLUGGED_IN',
      `${dir}: ca-cert.pem and root-cert.pem must hold certificates`,
    );
  }
  if (!sameKey(leafOfCa, keyPem))
    throw new CaError('AUTOMESH_ERR_CA_PLUGGED_IN', `${dir}: ca-key.pem does not match ca-cert.pem`);
  const caCert = new X509Certificate(leafOfCa);
  if (!caCert.ca)
    throw new CaError('AUTOMESH_ERR_CA_PLUGGED_IN', `${dir}: ca-cert.pem is not a CA certificate`);
  const rootSet = new Set(roots.map((r) => new X509Certificate(r).fingerprint256));
  // cert-chain.pem usually repeats ca-cert and ends with the root: keep each intermediate once, never a root.
  const chain = [leafOfCa, ...splitPemCertificates(chainPem)].filter((pem, i, all) => {
    const c = new X509Certificate(pem);
    return (
      !rootSet.has(c.fingerprint256) &&
      all.findIndex((p) => new X509Certificate(p).fingerprint256 === c.fingerprint256) === i
    );
  });
  const keys = await importKeyPair(keyPem);
  return {
    keys,
    cert: new x509.X509Certificate(leafOfCa),
    certPem: leafOfCa,
    chainPem: chain,
    rootsPem: roots,
    trustDomain,
  };
}

/** Loads the signer: plugged-in files when a directory is given, else the persisted (or a new) root. */
export async function loadCaSigner(options: LoadCaSignerOptions): Promise<CaSigner> {
  if (options.pluggedInCaDir !== undefined)
    return pluggedInSigner(options.pluggedInCaDir, options.trustDomain);
  return selfSignedSigner(options);
}
