// Strategic merge patch, what kubectl sends for the built-in kinds (`kubectl apply` of an existing
// object, `kubectl patch` without --type): a merge patch whose lists of objects merge by a key
// (containers by name, container ports by containerPort, service ports by port, ...) instead of
// being replaced, with the directives kubectl writes: `$patch: replace|delete|merge`,
// `$setElementOrder/<list>`, `$retainKeys`, `$deleteFromPrimitiveList/<list>`. The merge keys are
// those of k8s.io/api's `patchMergeKey` tags for the fields of the kinds automesh serves; a list
// without one is replaced whole, as Kubernetes does. Pure; failures are values.

type Json = unknown;
type JsonMap = Record<string, Json>;

export type StrategicPatchResult = { ok: true; value: Json } | { ok: false; message: string };

class PatchFailure extends Error {}

function isMap(value: Json): value is JsonMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const POD_SPEC_LISTS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
};
const CONTAINER_LISTS: Record<string, string> = {
  ports: 'containerPort',
  env: 'name',
  volumeMounts: 'mountPath',
};

/**
 * The merge key of the list at `path` (field names, `[]` for list items) in an object of `kind`;
 * undefined when the list is replaced whole.
 */
export function mergeKeyOf(kind: string, path: readonly string[]): string | undefined {
  const field = path[path.length - 1] ?? '';
  const parent = path.slice(0, -1).join('.');
  if (parent === 'metadata' && field === 'ownerReferences') return 'uid';
  if (parent.endsWith('status') && field === 'conditions') return 'type';
  const podSpec = kind === 'Pod' ? 'spec' : kind === 'Deployment' ? 'spec.template.spec' : undefined;
  if (podSpec !== undefined && parent === podSpec) return POD_SPEC_LISTS[field];
  if (podSpec !== undefined && /\.(containers|initContainers|ephemeralContainers)\.\[\]$/.test(parent))
    return parent.startsWith(podSpec) ? CONTAINER_LISTS[field] : undefined;
  if (kind === 'Service' && parent === 'spec' && field === 'ports') return 'port';
  if (kind === 'ServiceAccount' && parent === '' && (field === 'secrets' || field === 'imagePullSecrets'))
    return 'name';
  return undefined;
}

function keyOf(item: Json, mergeKey: string): string {
  return isMap(item) ? JSON.stringify(item[mergeKey]) : JSON.stringify(item);
}

function mergeList(
  kind: string,
  path: string[],
  original: Json,
  patch: Json[],
  order: Json[] | undefined,
): Json[] {
  const mergeKey = mergeKeyOf(kind, path);
  if (mergeKey === undefined) return patch.map((item) => (isMap(item) ? stripDirectives(item) : item));
  const result: Json[] = Array.isArray(original) ? [...(original as Json[])] : [];
  for (const item of patch) {
    if (!isMap(item) || item[mergeKey] === undefined)
      throw new PatchFailure(`${path.join('.')}: every item needs its merge key "${mergeKey}"`);
    const at = result.findIndex((existing) => keyOf(existing, mergeKey) === keyOf(item, mergeKey));
    if (item['$patch'] === 'delete') {
      if (at >= 0) result.splice(at, 1);
      continue;
    }
    if (at >= 0) result[at] = mergeMap(kind, [...path, '[]'], result[at], item);
    else result.push(mergeMap(kind, [...path, '[]'], undefined, item));
  }
  if (order === undefined) return result;
  // $setElementOrder: the listed items first, in that order; the server's own others after them.
  const rank = new Map(order.map((item, i) => [keyOf(item, mergeKey), i]));
  return result.sort(
    (a, b) => (rank.get(keyOf(a, mergeKey)) ?? order.length) - (rank.get(keyOf(b, mergeKey)) ?? order.length),
  );
}

function stripDirectives(map: JsonMap): JsonMap {
  return Object.fromEntries(Object.entries(map).filter(([k]) => !k.startsWith('$')));
}

function mergeMap(kind: string, path: string[], original: Json, patch: JsonMap): JsonMap {
  const directive = patch['$patch'];
  if (directive === 'replace') return stripDirectives(patch);
  if (directive !== undefined && directive !== 'merge' && directive !== 'delete')
    throw new PatchFailure(
      `${path.join('.') || 'the object'}: unknown $patch directive ${JSON.stringify(directive)}`,
    );
  const result: JsonMap = isMap(original) ? { ...original } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys' || key.startsWith('$setElementOrder/')) continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const drop = new Set((Array.isArray(value) ? value : []).map((v) => JSON.stringify(v)));
      const list = result[field];
      if (Array.isArray(list)) result[field] = list.filter((v) => !drop.has(JSON.stringify(v)));
      continue;
    }
    if (value === null) delete result[key];
    else if (Array.isArray(value)) {
      const order = patch[`$setElementOrder/${key}`];
      result[key] = mergeList(
        kind,
        [...path, key],
        result[key],
        value,
        Array.isArray(order) ? order : undefined,
      );
    } else if (isMap(value)) {
      if (value['$patch'] === 'delete') delete result[key];
      else result[key] = mergeMap(kind, [...path, key], result[key], value);
    } else result[key] = value;
  }
  for (const key of Object.keys(patch)) {
    // An order for a list the patch does not otherwise touch still reorders it.
    if (!key.startsWith('$setElementOrder/')) continue;
    const field = key.slice('$setElementOrder/'.length);
    const order = patch[key];
    if (patch[field] === undefined && Array.isArray(order) && Array.isArray(result[field]))
      result[field] = mergeList(kind, [...path, field], result[field], [], order);
  }
  const retain = patch['$retainKeys'];
  if (Array.isArray(retain)) {
    const keep = new Set(retain.map(String));
    for (const key of Object.keys(result)) if (!keep.has(key)) delete result[key];
  }
  return result;
}

export function applyStrategicMergePatch(kind: string, target: Json, patch: Json): StrategicPatchResult {
  if (!isMap(patch)) return { ok: false, message: 'a strategic merge patch is a JSON object' };
  try {
    return { ok: true, value: mergeMap(kind, [], structuredClone(target), patch) };
  } catch (err) {
    if (!(err instanceof PatchFailure)) throw err;
    return { ok: false, message: err.message };
  }
}
