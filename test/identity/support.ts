// Test helpers for identity: temp dirs, the real openssl, and an intermediate CA made by openssl.

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function tempDir(
  prefix = 'automesh-identity-',
): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export async function openssl(args: string[], cwd?: string): Promise<string> {
  const { stdout, stderr } = await run('openssl', args, { cwd, timeout: 10_000 });
  return stdout + stderr;
}

/** `openssl x509 -text -noout` of a PEM certificate. */
export async function x509Text(dir: string, pem: string, name = 'cert-to-read.pem'): Promise<string> {
  await writeFile(join(dir, name), pem);
  return openssl(['x509', '-text', '-noout', '-in', name], dir);
}

/**
 * Writes an Istio-style `cacerts` directory made by openssl alone: an EC P-256 root and an
 * intermediate CA signed by it (ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem).
 */
export async function makeOpensslCacerts(
  dir: string,
  trustDomain = 'cluster.local',
  keyType: 'ec' | 'rsa' = 'ec',
): Promise<void> {
  const genkey = (out: string): string[] =>
    keyType === 'ec'
      ? ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', out]
      : ['genrsa', '-out', out, '2048'];
  await writeFile(
    join(dir, 'ext.cnf'),
    [
      '[root]',
      'basicConstraints=critical,CA:TRUE',
      'keyUsage=critical,keyCertSign,cRLSign',
      'subjectKeyIdentifier=hash',
      '[inter]',
      'basicConstraints=critical,CA:TRUE,pathlen:0',
      'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid',
      '',
    ].join('\n'),
  );
  const steps: string[][] = [
    genkey('root-key.pem'),
    [
      'req',
      '-new',
      '-x509',
      '-key',
      'root-key.pem',
      '-days',
      '3650',
      '-subj',
      `/O=${trustDomain}/CN=Test Root CA`,
      '-config',
      'ext.cnf',
      '-extensions',
      'root',
      '-out',
      'root-cert.pem',
    ],
    genkey('ca-key.pem'),
    ['req', '-new', '-key', 'ca-key.pem', '-subj', `/O=${trustDomain}/CN=Intermediate CA`, '-out', 'ca.csr'],
    [
      'x509',
      '-req',
      '-in',
      'ca.csr',
      '-CA',
      'root-cert.pem',
      '-CAkey',
      'root-key.pem',
      '-CAcreateserial',
      '-days',
      '730',
      '-extfile',
      'ext.cnf',
      '-extensions',
      'inter',
      '-out',
      'ca-cert.pem',
    ],
  ];
  for (const step of steps) await openssl(step, dir);
  const { readFile } = await import('node:fs/promises');
  const chain =
    (await readFile(join(dir, 'ca-cert.pem'), 'utf8')) + (await readFile(join(dir, 'root-cert.pem'), 'utf8'));
  await writeFile(join(dir, 'cert-chain.pem'), chain);
}

/** A fixed clock tests can move. */
export class ManualClock {
  constructor(private ms: number = Date.now()) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}
