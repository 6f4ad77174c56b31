// JSON patch (RFC 6902), what `kubectl patch --type json` sends: a list of operations on JSON
// pointers (RFC 6901). Applied to a copy, all or nothing; a failing operation is an expected
// outcome returned as a value naming the operation, never a half-patched object. Pure.

type Json = unknown;
type Container = Record<string, Json> | Json[];

export type JsonPatchResult = { ok: true; value: Json } | { ok: false; message: string };

class PatchFailure extends Error {}

function parsePointer(pointer: unknown): string[] {
  if (typeof pointer !== 'string' || (pointer !== '' && !pointer.startsWith('/')))
    throw new PatchFailure(`"${String(pointer)}" is not a JSON pointer`);
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function isContainer(value: Json): value is Container {
  return typeof value === 'object' && value !== null;
}

/** The parent of the pointer's last token, and that token. */
function locate(root: Json, path: string[], pointer: string): { parent: Container; key: string } {
  let node = root;
  for (const token of path.slice(0, -1)) {
    const next: Json = Array.isArray(node)
      ? node[Number(token)]
      : isContainer(node)
        ? (node as Record<string, Json>)[token]
        : undefined;
    if (!isContainer(next)) throw new PatchFailure(`the path "${pointer}" does not exist`);
    node = next;
  }
  if (!isContainer(node)) throw new PatchFailure(`the path "${pointer}" does not exist`);
  return { parent: node, key: path[path.length - 1] ?? '' };
}

function arrayIndex(array: Json[], key: string, pointer: string, inserting: boolean): number {
  if (inserting && key === '-') return array.length;
  const index = Number(key);
  const max = inserting ? array.length : array.length - 1;
  if (!/^(0|[1-9]\d*)$/.test(key) || index > max)
    throw new PatchFailure(`the index in "${pointer}" is out of range`);
  return index;
}

function get(root: Json, pointer: string): Json {
  const path = parsePointer(pointer);
  if (path.length === 0) return root;
  const { parent, key } = locate(root, path, pointer);
  const value = Array.isArray(parent) ? parent[arrayIndex(parent, key, pointer, false)] : parent[key];
  if (value === undefined) throw new PatchFailure(`the path "${pointer}" does not exist`);
  return value;
}

function remove(root: Json, pointer: string): Json {
  const path = parsePointer(pointer);
  if (path.length === 0) throw new PatchFailure('cannot remove the whole document');
  const { parent, key } = locate(root, path, pointer);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, key, pointer, false), 1)[0];
  if (!(key in parent)) throw new PatchFailure(`the path "${pointer}" does not exist`);
  const value = parent[key];
  delete parent[key];
  return value;
}

function add(root: Json, pointer: string, value: Json): Json {
  const path = parsePointer(pointer);
  if (path.length === 0) return value;
  const { parent, key } = locate(root, path, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, pointer, true), 0, value);
  else parent[key] = value;
  return root;
}

function apply(root: Json, op: Record<string, Json>): Json {
  const path = op['path'] as string;
  switch (op['op']) {
    case 'add':
      return add(root, path, structuredClone(op['value']));
    case 'remove':
      remove(root, path);
      return root;
    case 'replace':
      get(root, path); // must exist
      if (parsePointer(path).length === 0) return structuredClone(op['value']);
      remove(root, path);
      return add(root, path, structuredClone(op['value']));
    case 'move': {
      const value = remove(root, op['from'] as string);
      return add(root, path, value);
    }
    case 'copy':
      return add(root, path, structuredClone(get(root, op['from'] as string)));
    case 'test':
      if (JSON.stringify(get(root, path)) !== JSON.stringify(op['value']))
        throw new PatchFailure(`the test at "${path}" failed`);
      return root;
    default:
      throw new PatchFailure(`unknown operation "${String(op['op'])}"`);
  }
}

export function applyJsonPatch(target: Json, patch: Json): JsonPatchResult {
  if (!Array.isArray(patch)) return { ok: false, message: 'a JSON patch is a list of operations' };
  let root = structuredClone(target);
  for (const [i, op] of patch.entries()) {
    if (!isContainer(op) || Array.isArray(op))
      return { ok: false, message: `operation ${i} is not an object` };
    try {
      root = apply(root, op);
    } catch (err) {
      if (!(err instanceof PatchFailure)) throw err;
      return { ok: false, message: `operation ${i} (${String(op['op'])}): ${err.message}` };
    }
  }
  return { ok: true, value: root };
}
