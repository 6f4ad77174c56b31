// Schemas for the Istio kinds, strict as Istio's own validation: PeerAuthentication,
// authentication Policy and MeshPolicy, DestinationRule. Rules that relate several fields
// (naming, selector needed, certificates for MUTUAL) live in ../rules.ts.

import { z } from 'zod';
import { labels, objectMeta, opaqueList, opaqueMap, port, workloadSelector } from './common.js';

const peerAuthenticationMode = z.strictObject({
  mode: z.enum(['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT']).optional(),
});

export function peerAuthentication(apiVersion: 'security.istio.io/v1beta1' | 'security.istio.io/v1') {
  return z.strictObject({
    apiVersion: z.literal(apiVersion),
    kind: z.literal('PeerAuthentication'),
    metadata: objectMeta('subdomain'),
    spec: z.strictObject({
      selector: workloadSelector.optional(),
      mtls: peerAuthenticationMode.optional(),
      portLevelMtls: z.record(z.string(), peerAuthenticationMode).optional(),
    }),
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
  mode: z.enum(['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL']),
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
  tls: clientTlsSettings.optional(),
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
      host: z.string().min(1, { error: 'required: the host the rule applies to' }),
      trafficPolicy: trafficPolicy.optional(),
      subsets: z.array(subset).optional(),
      exportTo: z.array(z.string()).optional(),
    }),
    status: opaqueMap.optional(),
  });
}
