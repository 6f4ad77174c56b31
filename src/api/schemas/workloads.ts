// Schemas for Pod and Deployment. Strict about the structure automesh reads (containers, ports,
// service account, labels); pod-spec fields it does not use are accepted as written so that real
// manifests (Istio's samples, kube-inject output) decode.

import { z } from 'zod';
import {
  checkedString,
  labels,
  nameError,
  nonNegativeInt,
  objectMeta,
  opaqueList,
  opaqueMap,
  port,
  portNameError,
  protocol,
  stringMap,
  templateMeta,
} from './common.js';

const containerPort = z.strictObject({
  containerPort: port,
  name: checkedString(portNameError).optional(),
  protocol: protocol.optional(),
  hostPort: port.optional(),
  hostIP: z.string().optional(),
});

const envVar = z.strictObject({
  name: z.string().min(1, { error: 'required: an environment variable needs a name' }),
  value: z.string().optional(),
  valueFrom: opaqueMap.optional(),
});

const container = z.strictObject({
  name: checkedString((s) => nameError(s, 'label')),
  image: z.string().min(1, { error: 'required: a container needs an image' }),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  workingDir: z.string().optional(),
  ports: z.array(containerPort).optional(),
  env: z.array(envVar).optional(),
  envFrom: opaqueList.optional(),
  resources: opaqueMap.optional(),
  resizePolicy: opaqueList.optional(),
  restartPolicy: z.string().optional(),
  volumeMounts: opaqueList.optional(),
  volumeDevices: opaqueList.optional(),
  livenessProbe: opaqueMap.optional(),
  readinessProbe: opaqueMap.optional(),
  startupProbe: opaqueMap.optional(),
  lifecycle: opaqueMap.optional(),
  securityContext: opaqueMap.optional(),
  terminationMessagePath: z.string().optional(),
  terminationMessagePolicy: z.string().optional(),
  stdin: z.boolean().optional(),
  stdinOnce: z.boolean().optional(),
  tty: z.boolean().optional(),
});

export const podSpec = z.strictObject({
  containers: z.array(container).min(1, { error: 'expected at least one container' }),
  initContainers: z.array(container).optional(),
  ephemeralContainers: opaqueList.optional(),
  serviceAccountName: checkedString((s) => nameError(s, 'subdomain')).optional(),
  serviceAccount: checkedString((s) => nameError(s, 'subdomain')).optional(),
  automountServiceAccountToken: z.boolean().optional(),
  volumes: opaqueList.optional(),
  terminationGracePeriodSeconds: nonNegativeInt.optional(),
  activeDeadlineSeconds: nonNegativeInt.optional(),
  restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).optional(),
  dnsPolicy: z.string().optional(),
  dnsConfig: opaqueMap.optional(),
  hostname: z.string().optional(),
  subdomain: z.string().optional(),
  setHostnameAsFQDN: z.boolean().optional(),
  hostAliases: opaqueList.optional(),
  hostNetwork: z.boolean().optional(),
  hostPID: z.boolean().optional(),
  hostIPC: z.boolean().optional(),
  hostUsers: z.boolean().optional(),
  shareProcessNamespace: z.boolean().optional(),
  nodeName: z.string().optional(),
  nodeSelector: stringMap.optional(),
  affinity: opaqueMap.optional(),
  tolerations: opaqueList.optional(),
  topologySpreadConstraints: opaqueList.optional(),
  schedulerName: z.string().optional(),
  schedulingGates: opaqueList.optional(),
  priority: z.int().optional(),
  priorityClassName: z.string().optional(),
  preemptionPolicy: z.string().optional(),
  runtimeClassName: z.string().optional(),
  securityContext: opaqueMap.optional(),
  imagePullSecrets: opaqueList.optional(),
  enableServiceLinks: z.boolean().optional(),
  readinessGates: opaqueList.optional(),
  resourceClaims: opaqueList.optional(),
  resources: opaqueMap.optional(),
  overhead: opaqueMap.optional(),
  os: opaqueMap.optional(),
});

const podCondition = z.looseObject({
  type: z.enum(['Ready', 'ContainersReady', 'Initialized', 'PodScheduled']),
  status: z.enum(['True', 'False']),
  lastTransitionTime: z.string().optional(),
});

const containerStatus = z.looseObject({
  name: z.string(),
  ready: z.boolean(),
  restartCount: nonNegativeInt,
  state: opaqueMap,
  image: z.string().optional(),
});

/** Pod status is written by the runtime; typed where others read it, open otherwise. */
const podStatus = z.looseObject({
  phase: z.enum(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']).optional(),
  podIP: z.string().optional(),
  hostIP: z.string().optional(),
  conditions: z.array(podCondition).optional(),
  containerStatuses: z.array(containerStatus).optional(),
  startTime: z.string().optional(),
});

export const pod = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Pod'),
  metadata: objectMeta('subdomain'),
  spec: podSpec,
  status: podStatus.optional(),
});

const podTemplate = z.strictObject({ metadata: templateMeta.optional(), spec: podSpec });

const deploymentSelector = z.strictObject({ matchLabels: labels.optional() });

const deploymentStatus = z.looseObject({
  replicas: nonNegativeInt.optional(),
  readyReplicas: nonNegativeInt.optional(),
  availableReplicas: nonNegativeInt.optional(),
});

/** apps/v1 requires `selector`; extensions/v1beta1 defaults it from the template labels. */
export function deployment(apiVersion: 'apps/v1' | 'extensions/v1beta1') {
  const selector = apiVersion === 'apps/v1' ? deploymentSelector : deploymentSelector.optional();
  return z.strictObject({
    apiVersion: z.literal(apiVersion),
    kind: z.literal('Deployment'),
    metadata: objectMeta('subdomain'),
    spec: z.strictObject({
      replicas: nonNegativeInt.optional(),
      selector,
      template: podTemplate,
      strategy: opaqueMap.optional(),
      minReadySeconds: nonNegativeInt.optional(),
      revisionHistoryLimit: nonNegativeInt.optional(),
      progressDeadlineSeconds: nonNegativeInt.optional(),
      paused: z.boolean().optional(),
      ...(apiVersion === 'extensions/v1beta1' ? { rollbackTo: opaqueMap.optional() } : {}),
    }),
    status: deploymentStatus.optional(),
  });
}
