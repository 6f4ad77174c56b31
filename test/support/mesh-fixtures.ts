// Small resource builders for control-plane tests: namespaces, ready pods with a sidecar,
// services and PeerAuthentications, shaped as the API server would store them.
import type {
  ConfigMap,
  Namespace,
  PeerAuthentication,
  PeerAuthenticationMode,
  Pod,
  Service,
} from '../../src/api/index.js';

export function namespace(name: string): Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

export function pod(
  ns: string,
  name: string,
  options: { sa?: string; app?: string; ip?: string; port?: number } = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ns,
      labels: { app: options.app ?? name, 'security.istio.io/tlsMode': 'istio' },
    },
    spec: {
      serviceAccountName: options.sa ?? 'default',
      containers: [{ name: 'app', image: 'app', ports: [{ containerPort: options.port ?? 8080 }] }],
    },
    status: {
      phase: 'Running',
      podIP: options.ip ?? '127.0.0.10',
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

export function service(ns: string, name: string, app: string, port = 8080): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { selector: { app }, ports: [{ name: 'http', port, targetPort: port }] },
  };
}

export function peerAuthentication(
  ns: string,
  name: string,
  mode: PeerAuthenticationMode,
): PeerAuthentication {
  return {
    apiVersion: 'security.istio.io/v1beta1',
    kind: 'PeerAuthentication',
    metadata: { name, namespace: ns },
    spec: { mtls: { mode } },
  };
}

export function meshValues(values: Record<string, string>, rootNamespace = 'istio-system'): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'automesh', namespace: rootNamespace },
    data: values,
  };
}
