// Schemas for the Istio kinds, strict as Istio's own validation: PeerAuthentication,
// authentication Policy and MeshPolicy, DestinationRule. Rules that relate several fields
// (naming, selector needed, certificates for MUTUAL) live in ../rules.ts. Descriptions are what
// `kubectl explain` shows (the API server's OpenAPI schemas are made from these).

import { z } from 'zod';
import { labels, objectMeta, opaqueList, opaqueMap, port, workloadSelector } from './common.js';

const peerAuthenticationMode = z.strictObject({
  mode: z
    .enum(['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'])
    .describe(
      'UNSET: as the parent policy says (workload, then namespace, then mesh; PERMISSIVE at the top). DISABLE: plaintext only. PERMISSIVE: mutual TLS and plaintext. STRICT: mutual TLS only, a plaintext connection is reset.',
    )
    .optional(),
});

export function peerAuthentication(apiVersion: 'security.istio.io/v1beta1' | 'security.istio.io/v1') {
  return z.strictObject({
    apiVersion: z.literal(apiVersion),
    kind: z.literal('PeerAuthentication'),
    metadata: objectMeta('subdomain'),
    spec: z
      .strictObject({
        selector: workloadSelector
          .describe(
            'The workloads this policy is for, by pod labels. Without it: every workload of its namespace, or of the mesh when it is in the root namespace (istio-system).',
          )
          .optional(),
        mtls: peerAuthenticationMode
          .describe('The mutual TLS mode of every port of the selected workloads.')
          .optional(),
        portLevelMtls: z
          .record(z.string(), peerAuthenticationMode)
          .describe(
            'Per workload port (the container port number as the key), a mode that wins over mtls there.',
          )
          .optional(),
      })
      .describe('How the selected workloads take inbound connections: mutual TLS, plaintext, or both.'),
    status: opaqueMap.optional(),
  });
}

const portSelector = z.strictObject({ number: port.optional(), name: z.string().optional() });

const targetSelector = z.strictObject({
  name: z.string().min(1, { error: 'required: a target names a service' }),
  ports: z.array(portSelector).optional(),
  labels: labels.optional(),
});

/** `mtls: {}` and `mtls:` (null) both mean STRICT, so null is kept. */
const mutualTls = z
  .strictObject({
    mode: z.enum(['STRICT', 'PERMISSIVE']).optional(),
    allowTls: z.boolean().optional(),
  })
  .nullable();

const peerMethod = z.strictObject({ mtls: mutualTls.optional(), jwt: opaqueMap.optional() });

const authenticationPolicySpec = z.strictObject({
  targets: z.array(targetSelector).optional(),
  peers: z.array(peerMethod).optional(),
  peerIsOptional: z.boolean().optional(),
  origins: opaqueList.optional(),
  originIsOptional: z.boolean().optional(),
  principalBinding: z.enum(['USE_PEER', 'USE_ORIGIN']).optional(),
});

export function authenticationPolicy(kind: 'Policy' | 'MeshPolicy') {
  return z.strictObject({
    apiVersion: z.literal('authentication.istio.io/v1alpha1'),
    kind: z.literal(kind),
    metadata: objectMeta('subdomain'),
    spec: authenticationPolicySpec,
  });
}

const clientTlsSettings = z.strictObject({
  mode: z
    .enum(['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL'])
    .describe(
      "DISABLE: plaintext. SIMPLE: TLS to the server. MUTUAL: TLS with the client certificate given here. ISTIO_MUTUAL: mesh mutual TLS with the workload's own certificate. A rule that sets it wins over auto mutual TLS.",
    ),
  clientCertificate: z.string().optional(),
  privateKey: z.string().optional(),
  caCertificates: z.string().optional(),
  caCrl: z.string().optional(),
  credentialName: z.string().optional(),
  subjectAltNames: z.array(z.string()).optional(),
  sni: z.string().optional(),
  insecureSkipVerify: z.boolean().optional(),
});

const trafficPolicyFields = {
  tls: clientTlsSettings
    .describe('The TLS clients use toward the host. Without it, auto mutual TLS decides per endpoint.')
    .optional(),
  connectionPool: opaqueMap.optional(),
  loadBalancer: opaqueMap.optional(),
  outlierDetection: opaqueMap.optional(),
  tunnel: opaqueMap.optional(),
  proxyProtocol: opaqueMap.optional(),
};

const portTrafficPolicy = z.strictObject({
  port: z.strictObject({ number: port }),
  ...trafficPolicyFields,
});

const trafficPolicy = z.strictObject({
  ...trafficPolicyFields,
  portLevelSettings: z.array(portTrafficPolicy).optional(),
});

const subset = z.strictObject({
  name: z.string().min(1, { error: 'required: a subset needs a name' }),
  labels: labels.optional(),
  trafficPolicy: trafficPolicy.optional(),
});

export function destinationRule(
  apiVersion: 'networking.istio.io/v1alpha3' | 'networking.istio.io/v1beta1' | 'networking.istio.io/v1',
) {
  return z.strictObject({
    apiVersion: z.literal(apiVersion),
    kind: z.literal('DestinationRule'),
    metadata: objectMeta('subdomain'),
    spec: z.strictObject({
      host: z
        .string()
        .min(1, { error: 'required: the host the rule applies to' })
        .describe("The service the rule is for: a short name (in the rule's namespace) or a FQDN."),
      trafficPolicy: trafficPolicy
        .describe('Traffic settings for every port, unless a port or subset sets its own.')
        .optional(),
      subsets: z
        .array(subset)
        .describe("Named groups of the service's endpoints, by labels, each with its own traffic policy.")
        .optional(),
      exportTo: z
        .array(z.string())
        .describe('Namespaces that see this rule: "." its own, "*" all (the default).')
        .optional(),
    }),
    status: opaqueMap.optional(),
  });
}
