// The standalone sidecar's bootstrap file (JSON or YAML): the snapshot, the certificate files and
// the addresses to listen on. Validated against one schema that rejects unknown keys.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import type * as Yaml from 'yaml';
import { z } from 'zod';
import type { ProxySnapshot } from '../../api/index.js';
import type { CertificateFiles } from '../file-certificate-source.js';
import type { ProxyLimits, ListenAddress } from './proxy-options.js';
import { validateSnapshot } from './snapshot-schema.js';

const address = z.strictObject({
  host: z.string().optional(),
  port: z.number().int().min(0).max(65535).optional(),
});

export const bootstrapSchema = z.strictObject({
  /** The snapshot inline, or `snapshotFile` naming a JSON/YAML file holding it. */
  snapshot: z.unknown().optional(),
  snapshotFile: z.string().optional(),
  certificates: z.strictObject({ certChain: z.string(), privateKey: z.string(), trustBundle: z.string() }),
  podIP: z.string().min(1),
  appHost: z.string().optional(),
  outbound: address.optional(),
  admin: address.optional(),
  unknownHosts: z.enum(['passthrough', 'refuse']).optional(),
  limits: z
    .strictObject({
      maxConnections: z.number().int().positive(),
      maxHeadBytes: z.number().int().positive(),
      idleTimeoutMs: z.number().int().positive(),
      upstreamIdleTimeoutMs: z.number().int().positive(),
      connectTimeoutMs: z.number().int().positive(),
      streamIdleTimeoutMs: z.number().int().positive(),
      sniffTimeoutMs: z.number().int().positive(),
      headTimeoutMs: z.number().int().positive(),
      handshakeTimeoutMs: z.number().int().positive(),
      maxIdlePerEndpoint: z.number().int().nonnegative(),
      maxRequestsPerConnection: z.number().int().positive(),
      maxConnectionAgeMs: z.number().int().positive(),
      downstreamMaxConnectionAgeMs: z.number().int().positive(),
    })
    .partial()
    .optional(),
});

export interface Bootstrap {
  snapshot: ProxySnapshot;
  certificates: CertificateFiles;
  podIP: string;
  appHost?: string;
  outbound?: ListenAddress;
  admin?: ListenAddress;
  unknownHosts?: 'passthrough' | 'refuse';
  limits?: Partial<ProxyLimits>;
}

export class BootstrapError extends Error {
  readonly code = 'AUTOMESH_ERR_PROXY_BOOTSTRAP';
}

function readStructured(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new BootstrapError(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Not JSON: YAML then (a superset of JSON), loaded only now because the parser costs a
    // sidecar ~9 MiB of memory for the rest of its life and most bootstrap files are JSON.
  }
  try {
    const { parse } = createRequire(import.meta.url)('yaml') as typeof Yaml;
    return parse(text) as unknown;
  } catch (err) {
    throw new BootstrapError(`${path}: not valid JSON or YAML: ${(err as Error).message}`, { cause: err });
  }
}

/** Reads and validates a bootstrap file; relative paths in it are relative to the file. */
export function loadBootstrap(path: string): Bootstrap {
  const parsed = bootstrapSchema.safeParse(readStructured(path));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new BootstrapError(`${path}: ${issues}`);
  }
  const b = parsed.data;
  const base = dirname(resolve(path));
  const at = (p: string): string => resolve(base, p);
  if ((b.snapshot === undefined) === (b.snapshotFile === undefined)) {
    throw new BootstrapError(`${path}: give exactly one of snapshot and snapshotFile`);
  }
  const raw = b.snapshot ?? readStructured(at(b.snapshotFile!));
  const checked = validateSnapshot(raw);
  if (!checked.ok) throw new BootstrapError(`${path}: ${checked.error}`);
  return {
    snapshot: checked.snapshot,
    certificates: {
      certChain: at(b.certificates.certChain),
      privateKey: at(b.certificates.privateKey),
      trustBundle: at(b.certificates.trustBundle),
    },
    podIP: b.podIP,
    appHost: b.appHost,
    outbound: b.outbound,
    admin: b.admin,
    unknownHosts: b.unknownHosts,
    limits: b.limits,
  };
}
