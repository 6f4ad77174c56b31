// Mesh values (install `--set`) as stored: the ConfigMap `<root namespace>/automesh`, data keys
// `values.global.mtls.auto`, `values.global.mtls.enabled` and `values.automesh.requireMtls`
// holding "true" or "false", `values.automesh.safeChanges` holding "warn" or "refuse", and
// `values.automesh.observationWindowSeconds` (1 to 86400).

import type { ConfigMap, MeshSettings } from '../../api/index.js';

export const MESH_VALUES_CONFIGMAP_NAME = 'automesh';
export const AUTO_MTLS_KEY = 'values.global.mtls.auto';
export const MTLS_ENABLED_KEY = 'values.global.mtls.enabled';
export const REQUIRE_MTLS_KEY = 'values.automesh.requireMtls';
export const SAFE_CHANGES_KEY = 'values.automesh.safeChanges';
export const OBSERVATION_WINDOW_KEY = 'values.automesh.observationWindowSeconds';

function flag(value: string | undefined, fallback: boolean): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return fallback;
}

/** A whole number of seconds from 1 to a day; anything else keeps the fallback. */
function seconds(value: string | undefined, fallback: number): number {
  const n = value === undefined || !/^[0-9]+$/.test(value) ? NaN : Number(value);
  return n >= 1 && n <= 86_400 ? n : fallback;
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
    observationWindowSeconds: seconds(data[OBSERVATION_WINDOW_KEY], base.observationWindowSeconds),
  };
}
