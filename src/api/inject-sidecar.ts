// Sidecar injection, as `istioctl kube-inject` and the namespace-label webhook do it: add the
// `istio-proxy` container, the `security.istio.io/tlsMode: istio` label and the
// `sidecar.istio.io/status` annotation to the pod template of a Deployment (or to a Pod). The
// output stays valid Kubernetes; in the local runtime the `istio-proxy` container is not run as an
// image: the runtime starts automesh's own sidecar process for it. The API server injects on every
// write to a namespace labelled `istio-injection=enabled` (whoever writes: the CLI, kubectl), the
// runtime decides from `runsSidecar` (sidecar-presence.ts) which pods get a sidecar process,
// `kube-inject` prints it.

import type { Container, Labels, PodSpec } from './resources.js';
import { SIDECAR_CONTAINER_NAME, SIDECAR_STATUS_ANNOTATION, TLS_MODE_LABEL } from './sidecar-presence.js';

export const SIDECAR_IMAGE = 'automesh/proxy:0.1.0';
export const INJECT_ANNOTATION = 'sidecar.istio.io/inject';
/** Sidecar ports: outbound explicit proxy and admin (readiness, config dump, stats). */
export const SIDECAR_OUTBOUND_PORT = 15001;
export const SIDECAR_ADMIN_PORT = 15000;

const INJECTOR_VERSION = 'automesh-0.1.0';

type Doc = Record<string, unknown>;
interface TemplateLike {
  metadata?: { labels?: Labels; annotations?: Record<string, string> };
  spec?: Partial<PodSpec>;
}

function isRecord(value: unknown): value is Doc {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The sidecar container injection adds. */
export function sidecarContainer(): Container {
  return {
    name: SIDECAR_CONTAINER_NAME,
    image: SIDECAR_IMAGE,
    imagePullPolicy: 'IfNotPresent',
    args: ['proxy', 'sidecar', '--domain', '$(POD_NAMESPACE).svc.cluster.local'],
    ports: [
      { containerPort: SIDECAR_OUTBOUND_PORT, name: 'http-outbound', protocol: 'TCP' },
      { containerPort: SIDECAR_ADMIN_PORT, name: 'http-admin', protocol: 'TCP' },
    ],
    readinessProbe: {
      httpGet: { path: '/ready', port: SIDECAR_ADMIN_PORT },
      initialDelaySeconds: 1,
      periodSeconds: 2,
      failureThreshold: 30,
    },
    resources: { requests: { cpu: '10m', memory: '40Mi' }, limits: { cpu: '2', memory: '1Gi' } },
    securityContext: { runAsUser: 1337, runAsGroup: 1337, readOnlyRootFilesystem: true },
  };
}

function statusAnnotation(): string {
  return JSON.stringify({
    version: INJECTOR_VERSION,
    initContainers: null,
    containers: [SIDECAR_CONTAINER_NAME],
    volumes: null,
    imagePullSecrets: null,
  });
}

/** A copy of the template with the sidecar, or the template itself when it must not change. */
function injectTemplate(template: TemplateLike): TemplateLike {
  const annotations = template.metadata?.annotations ?? {};
  const optOut = String(annotations[INJECT_ANNOTATION] ?? '').toLowerCase();
  const containers = template.spec?.containers;
  if (!Array.isArray(containers)) return template;
  if (optOut === 'false' || optOut === 'n' || optOut === 'no' || optOut === 'off') return template;
  if (containers.some((c) => c.name === SIDECAR_CONTAINER_NAME)) return template;
  if (annotations[SIDECAR_STATUS_ANNOTATION] !== undefined) return template;
  return {
    ...template,
    metadata: {
      ...template.metadata,
      annotations: { ...annotations, [SIDECAR_STATUS_ANNOTATION]: statusAnnotation() },
      // An existing tlsMode label is kept, as Istio's injector does.
      labels: {
        ...template.metadata?.labels,
        [TLS_MODE_LABEL]: template.metadata?.labels?.[TLS_MODE_LABEL] ?? 'istio',
      },
    },
    spec: { ...template.spec, containers: [...containers, sidecarContainer()] },
  };
}

/**
 * Returns `resource` with the sidecar injected when it is a Deployment or a Pod; any other
 * document, an already injected one, or one annotated `sidecar.istio.io/inject: "false"` comes back
 * unchanged (the same object). Never mutates its argument.
 */
export function injectSidecar<T>(resource: T): T {
  if (!isRecord(resource)) return resource;
  const spec = resource['spec'];
  if (resource['kind'] === 'Deployment' && isRecord(spec) && isRecord(spec['template'])) {
    const template = spec['template'] as TemplateLike;
    const injected = injectTemplate(template);
    if (injected === template) return resource;
    return { ...resource, spec: { ...spec, template: injected } };
  }
  if (resource['kind'] === 'Pod' && isRecord(spec)) {
    const asTemplate = { metadata: resource['metadata'], spec } as TemplateLike;
    const injected = injectTemplate(asTemplate);
    if (injected === asTemplate) return resource;
    return {
      ...resource,
      metadata: { ...(resource['metadata'] as Doc), ...injected.metadata },
      spec: injected.spec,
    };
  }
  return resource;
}
