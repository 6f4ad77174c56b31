// Key pairs as WebCrypto keys (what @peculiar/x509 signs with) plus their PKCS#8 PEM form
// (what node:tls takes). Workload keys are always ECDSA P-256; a plugged-in CA key may be RSA.

import { KeyObject, createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import { IdentityError } from './identity-error.js';

export interface KeyPair {
  privateKey: webcrypto.CryptoKey;
  publicKey: webcrypto.CryptoKey;
  /** PKCS#8 `-----BEGIN PRIVATE KEY-----`. */
  privateKeyPem: string;
}

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const RSA_SHA256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

/** The signature algorithm to use with a signing key, by its type. */
export function signingAlgorithmFor(key: webcrypto.CryptoKey): webcrypto.Algorithm | webcrypto.EcdsaParams {
  return key.algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : RSA_SHA256;
}

/** A fresh ECDSA P-256 key pair, generated in this process. */
export async function generateKeyPair(): Promise<KeyPair> {
  const pair = await webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
  const privateKeyPem = KeyObject.from(pair.privateKey).export({ type: 'pkcs8', format: 'pem' });
  return { privateKey: pair.privateKey, publicKey: pair.publicKey, privateKeyPem: String(privateKeyPem) };
}

/** Imports a PEM private key (PKCS#8, SEC1 or PKCS#1) as a signing key pair. */
export async function importKeyPair(pem: string): Promise<KeyPair> {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (cause) {
    throw new IdentityError('AUTOMESH_ERR_IDENTITY_KEY', 'private key is not valid PEM', { cause });
  }
  const type = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (type !== 'rsa' && !(type === 'ec' && curve === 'prime256v1')) {
    throw new IdentityError(
      'AUTOMESH_ERR_IDENTITY_KEY',
      `unsupported CA key type ${type ?? 'unknown'}${curve ? ` (${curve})` : ''}: use ECDSA P-256 or RSA`,
    );
  }
  const algorithm = type === 'ec' ? EC_P256 : RSA_SHA256;
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const privateKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, algorithm, true, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('spki', spki, algorithm, true, ['verify']);
  const privateKeyPem = String(key.export({ type: 'pkcs8', format: 'pem' }));
  return { privateKey, publicKey, privateKeyPem };
}
