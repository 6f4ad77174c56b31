// A received snapshot, checked for the shape the sidecar relies on before it goes near the sink:
// anything else is nacked, and the sidecar keeps what it has.

import type { ProxySnapshot } from '../../api/index.js';

export type SnapshotParse = { ok: true; snapshot: ProxySnapshot } | { ok: false; error: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseSnapshot(
  json: string,
  expected: { version: string; pod: string; namespace: string },
): SnapshotParse {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    return { ok: false, error: `snapshot is not JSON: ${(err as Error).message}` };
  }
  if (!isObject(value) || !isObject(value['proxy']) || !isObject(value['mesh'])) {
    return { ok: false, error: 'snapshot lacks proxy or mesh' };
  }
  if (!Array.isArray(value['inbound']) || !Array.isArray(value['outbound'])) {
    return { ok: false, error: 'snapshot lacks inbound or outbound lists' };
  }
  if (value['version'] !== expected.version) {
    return {
      ok: false,
      error: `snapshot version ${String(value['version'])} differs from message version ${expected.version}`,
    };
  }
  const proxy = value['proxy'];
  if (proxy['pod'] !== expected.pod || proxy['namespace'] !== expected.namespace) {
    return {
      ok: false,
      error: `snapshot is for ${String(proxy['namespace'])}/${String(proxy['pod'])}, not ${expected.namespace}/${expected.pod}`,
    };
  }
  return { ok: true, snapshot: value as unknown as ProxySnapshot };
}
