// Shape checks for a snapshot before it is applied: a bad one is refused (nack) and the last
// good one stays in force. Unknown fields are allowed so newer control planes can add some.

import { z } from 'zod';
import type { ProxySnapshot } from '../../api/index.js';

const port = z.number().int().min(1).max(65535);
const reason = z.string();
const sans = z.array(z.string());

const upstreamTls = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('DISABLE'), reason, downgrade: z.literal(true).optional() }),
  z.object({ mode: z.literal('REFUSE'), reason }),
  z.object({ mode: z.literal('ISTIO_MUTUAL'), reason, sni: z.string().min(1), sans }),
  z.object({
    mode: z.literal('SIMPLE'),
    reason,
    sni: z.string().optional(),
    sans,
    caCertificates: z.string().optional(),
    insecureSkipVerify: z.boolean().optional(),
  }),
  z.object({
    mode: z.literal('MUTUAL'),
    reason,
    sni: z.string().optional(),
    sans,
    caCertificates: z.string().optional(),
    clientCertificate: z.string().min(1),
    privateKey: z.string().min(1),
    insecureSkipVerify: z.boolean().optional(),
  }),
]);

const protocol = z.enum(['http', 'tcp', 'auto']);
const serverMode = z.enum(['STRICT', 'PERMISSIVE', 'DISABLE']);

export const proxySnapshotSchema = z.object({
  version: z.string().min(1),
  proxy: z.object({
    pod: z.string(),
    namespace: z.string(),
    serviceAccount: z.string(),
    spiffeId: z.string(),
    podIP: z.string(),
  }),
  mesh: z.object({
    autoMtls: z.boolean(),
    mtlsEnabled: z.boolean(),
    trustDomain: z.string().min(1),
    rootNamespace: z.string(),
    observationWindowSeconds: z.number().int().min(1).max(86_400).optional(),
  }),
  inbound: z.array(
    z.object({
      port,
      protocol,
      mode: serverMode,
      reason,
      shadow: z.object({ mode: serverMode, source: z.string(), reason }).optional(),
    }),
  ),
  outbound: z.array(
    z.object({
      hostname: z.string().min(1),
      name: z.string(),
      namespace: z.string(),
      aliases: z.array(z.string()),
      ports: z.array(
        z.object({
          port,
          name: z.string().optional(),
          protocol,
          endpoints: z.array(
            z.object({
              address: z.string().min(1),
              port,
              pod: z.string(),
              namespace: z.string(),
              hasSidecar: z.boolean(),
              tls: upstreamTls,
            }),
          ),
        }),
      ),
    }),
  ),
});

/** The snapshot, or a message naming the first problems by path. */
export function validateSnapshot(
  input: unknown,
): { ok: true; snapshot: ProxySnapshot } | { ok: false; error: string } {
  const result = proxySnapshotSchema.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    return { ok: false, error: `invalid snapshot: ${issues}` };
  }
  const ports = new Set<number>();
  for (const l of result.data.inbound) {
    if (ports.has(l.port))
      return { ok: false, error: `invalid snapshot: inbound port ${l.port} listed twice` };
    ports.add(l.port);
  }
  return { ok: true, snapshot: input as ProxySnapshot };
}
