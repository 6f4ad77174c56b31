// Mesh values (install `--set`) as stored: the ConfigMap `<root namespace>/automesh`, data keys
// `values.global.mtls.auto`, `values.global.mtls.enabled` and `values.automesh.requireMtls`
// holding "true" or "false", and `values.automesh.safeChanges` holding "warn" or "refuse".

import type { ConfigMap, MeshSettings } from '../../api/index.js';

export const MESH_VALUES_CONFIGMAP_NAME = 'automesh';
export const AUTO_MTLS_KEY = 'values.global.mtls.auto';
export const MTLS_ENABLED_KEY = 'values.global.mtls.enabled';
export const REQUIRE_MTLS_KEY = 'values.automesh.requireMtls';
export const SAFE_CHANGES_KEY = 'values.automesh.safeChanges';

function flag(value: string | undefined, fallback: boolean): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return fallback;
}

/** The mesh settings a values ConfigMap selects; a missing map or key keeps the base value. */
export function meshSettingsFromValues(configMap: ConfigMap | undefined, base: MeshSettings): MeshSettings {
  const data = configMap?.data ?? {};
  return {
    ...base,
    autoMtls: flag(data[AUTO_MTLS_KEY], base.autoMtls),
    mtlsEnabled: flag(data[MTLS_ENABLED_KEY], base.mtlsEnabled),
    requireMtls: flag(data[REQUIRE_MTLS_KEY], base.requireMtls),
    safeChanges:
      data[SAFE_CHANGES_KEY] === 'refuse' || data[SAFE_CHANGES_KEY] === 'warn'
        ? data[SAFE_CHANGES_KEY]
        : base.safeChanges,
  };
}
