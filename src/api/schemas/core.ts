// Schemas for the core (`v1`) kinds other than Pod: Namespace, ServiceAccount, Service,
// Endpoints, ConfigMap, Node.

import { z } from 'zod';
import {
  checkedString,
  nameError,
  objectMeta,
  opaqueList,
  opaqueMap,
  port,
  portNameError,
  protocol,
  stringMap,
} from './common.js';

export const namespace = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Namespace'),
  metadata: objectMeta('label'),
  spec: opaqueMap.optional(),
  status: z.looseObject({ phase: z.string().optional() }).optional(),
});

export const serviceAccount = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('ServiceAccount'),
  metadata: objectMeta('subdomain'),
  secrets: opaqueList.optional(),
  imagePullSecrets: opaqueList.optional(),
  automountServiceAccountToken: z.boolean().optional(),
});

/** A target port is a number or the name of a container port. */
const targetPort = z.union([port, checkedString(portNameError)], {
  error: 'expected a port number 1-65535 or a container port name',
});

const servicePort = z.strictObject({
  name: checkedString((s) => nameError(s, 'label')).optional(),
  port,
  targetPort: targetPort.optional(),
  protocol: protocol.optional(),
  appProtocol: z.string().optional(),
  nodePort: port.optional(),
});

export const service = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Service'),
  metadata: objectMeta('dns1035'),
  spec: z.strictObject({
    selector: stringMap.optional(),
    ports: z.array(servicePort).min(1, { error: 'expected at least one port' }),
    type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']).optional(),
    clusterIP: z.string().optional(),
    clusterIPs: z.array(z.string()).optional(),
    externalName: z.string().optional(),
    externalIPs: z.array(z.string()).optional(),
    externalTrafficPolicy: z.string().optional(),
    internalTrafficPolicy: z.string().optional(),
    ipFamilies: z.array(z.string()).optional(),
    ipFamilyPolicy: z.string().optional(),
    loadBalancerIP: z.string().optional(),
    loadBalancerClass: z.string().optional(),
    loadBalancerSourceRanges: z.array(z.string()).optional(),
    allocateLoadBalancerNodePorts: z.boolean().optional(),
    healthCheckNodePort: port.optional(),
    publishNotReadyAddresses: z.boolean().optional(),
    sessionAffinity: z.enum(['None', 'ClientIP']).optional(),
    sessionAffinityConfig: opaqueMap.optional(),
    trafficDistribution: z.string().optional(),
  }),
  status: opaqueMap.optional(),
});

const endpointAddress = z.strictObject({
  ip: z.string().min(1, { error: 'required: an endpoint address needs an ip' }),
  hostname: z.string().optional(),
  nodeName: z.string().optional(),
  targetRef: z
    .strictObject({
      kind: z.literal('Pod'),
      name: z.string(),
      namespace: z.string(),
      uid: z.string().optional(),
      apiVersion: z.string().optional(),
      resourceVersion: z.string().optional(),
      fieldPath: z.string().optional(),
    })
    .optional(),
});

export const endpoints = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Endpoints'),
  metadata: objectMeta('subdomain'),
  subsets: z
    .array(
      z.strictObject({
        addresses: z.array(endpointAddress).optional(),
        notReadyAddresses: z.array(endpointAddress).optional(),
        ports: z
          .array(
            z.strictObject({
              name: z.string().optional(),
              port,
              protocol: protocol.optional(),
              appProtocol: z.string().optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
});

export const configMap = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('ConfigMap'),
  metadata: objectMeta('subdomain'),
  data: stringMap.optional(),
  binaryData: stringMap.optional(),
  immutable: z.boolean().optional(),
});

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Why `text` is not an IPv4 CIDR (`127.30.0.0/16`), or undefined. */
function cidrError(text: string): string | undefined {
  const m = IPV4_CIDR.exec(text);
  const octetsOk = m !== null && m.slice(1, 5).every((o) => Number(o) <= 255);
  if (!octetsOk || Number(m?.[5]) > 32) {
    return `invalid CIDR ${JSON.stringify(text)}: expected an IPv4 range such as 127.30.0.0/16`;
  }
  return undefined;
}

const cidr = checkedString(cidrError);

const nodeCondition = z.looseObject({
  type: z.string().min(1, { error: 'required: a condition needs a type' }),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastHeartbeatTime: z.string().optional(),
  lastTransitionTime: z.string().optional(),
});

const nodeAddress = z.strictObject({
  type: z.enum(['InternalIP', 'ExternalIP', 'Hostname', 'InternalDNS', 'ExternalDNS']),
  address: z.string().min(1, { error: 'required: a node address needs an address' }),
});

/** Written by node agents (status) and people (labels, spec.unschedulable); status kept open. */
export const node = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Node'),
  metadata: objectMeta('subdomain'),
  spec: z
    .strictObject({
      podCIDR: cidr.optional(),
      podCIDRs: z.array(cidr).optional(),
      unschedulable: z.boolean().optional(),
      providerID: z.string().optional(),
      taints: opaqueList.optional(),
      configSource: opaqueMap.optional(),
      externalID: z.string().optional(),
    })
    .optional(),
  status: z
    .looseObject({
      addresses: z.array(nodeAddress).optional(),
      conditions: z.array(nodeCondition).optional(),
      nodeInfo: opaqueMap.optional(),
      capacity: stringMap.optional(),
      allocatable: stringMap.optional(),
    })
    .optional(),
});
