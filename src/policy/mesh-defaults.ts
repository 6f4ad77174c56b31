// The resources install creates from the mesh values (behaviour.md "Mesh settings").
import type { DestinationRule, MeshPolicy } from '../api/index.js';

export interface MeshValues {
  /** values.global.mtls.auto */
  autoMtls: boolean;
  /** values.global.mtls.enabled */
  mtlsEnabled: boolean;
}

/**
 * `MeshPolicy default`: PERMISSIVE, or STRICT when mTLS is enabled; plus, only when enabled with
 * auto off, a DestinationRule `default` in the root namespace sending ISTIO_MUTUAL to `*.local`.
 */
export function meshDefaults(values: MeshValues, rootNamespace: string): (MeshPolicy | DestinationRule)[] {
  const meshPolicy: MeshPolicy = {
    apiVersion: 'authentication.istio.io/v1alpha1',
    kind: 'MeshPolicy',
    metadata: { name: 'default' },
    spec: { peers: [{ mtls: values.mtlsEnabled ? {} : { mode: 'PERMISSIVE' } }] },
  };
  if (!values.mtlsEnabled || values.autoMtls) return [meshPolicy];
  const rule: DestinationRule = {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'DestinationRule',
    metadata: { name: 'default', namespace: rootNamespace },
    spec: { host: '*.local', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } },
  };
  return [meshPolicy, rule];
}
