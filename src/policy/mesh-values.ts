// `--set key=value` mesh values, as install and `x explain` take them.
import type { MeshSettings } from '../api/index.js';
import { DEFAULT_MESH_SETTINGS } from '../api/index.js';

export const PROFILES = ['default', 'demo', 'minimal'] as const;

export interface ParsedMeshValues {
  settings: MeshSettings;
  /** One message per bad `--set`, naming the key. */
  errors: string[];
}

const BOOLEAN_KEYS: Record<string, 'autoMtls' | 'mtlsEnabled' | 'requireMtls'> = {
  'values.global.mtls.auto': 'autoMtls',
  'values.global.mtls.enabled': 'mtlsEnabled',
  'values.automesh.requireMtls': 'requireMtls',
};

/** What a write that would break observed traffic does: warn (default) or refuse without --force. */
const SAFE_CHANGES_KEY = 'values.automesh.safeChanges';
/** How far back sidecars count the peers they saw (the observation window), in seconds. */
const OBSERVATION_WINDOW_KEY = 'values.automesh.observationWindowSeconds';

const STRING_KEYS: Record<string, 'trustDomain' | 'rootNamespace'> = {
  'values.global.trustDomain': 'trustDomain',
  'meshConfig.trustDomain': 'trustDomain',
  'meshConfig.rootNamespace': 'rootNamespace',
};

/** Applies `key=value` settings over `base`; unknown keys and bad values are errors that name the key. */
export function parseMeshValues(
  sets: string[],
  base: MeshSettings = DEFAULT_MESH_SETTINGS,
): ParsedMeshValues {
  const settings: MeshSettings = { ...base };
  const errors: string[] = [];
  for (const set of sets) {
    const eq = set.indexOf('=');
    if (eq <= 0) {
      errors.push(`--set ${set}: expected key=value`);
      continue;
    }
    const key = set.slice(0, eq);
    const value = set.slice(eq + 1);
    const booleanField = BOOLEAN_KEYS[key];
    const stringField = STRING_KEYS[key];
    if (booleanField !== undefined) {
      if (value === 'true' || value === 'false') settings[booleanField] = value === 'true';
      else errors.push(`--set ${key}: expected true or false, got "${value}"`);
    } else if (stringField !== undefined) {
      if (value !== '') settings[stringField] = value;
      else errors.push(`--set ${key}: expected a value`);
    } else if (key === SAFE_CHANGES_KEY) {
      if (value === 'warn' || value === 'refuse') settings.safeChanges = value;
      else errors.push(`--set ${key}: expected warn or refuse, got "${value}"`);
    } else if (key === OBSERVATION_WINDOW_KEY) {
      const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
      if (n >= 1 && n <= 86_400) settings.observationWindowSeconds = n;
      else errors.push(`--set ${key}: expected whole seconds from 1 to 86400, got "${value}"`);
    } else if (key === 'profile') {
      if (!(PROFILES as readonly string[]).includes(value)) {
        errors.push(`--set profile: unknown profile "${value}" (known: ${PROFILES.join(', ')})`);
      }
    } else {
      const known = [
        'profile',
        ...Object.keys(BOOLEAN_KEYS),
        SAFE_CHANGES_KEY,
        OBSERVATION_WINDOW_KEY,
        ...Object.keys(STRING_KEYS),
      ];
      errors.push(`--set ${key}: unknown key (known: ${known.join(', ')})`);
    }
  }
  return { settings, errors };
}
