// What a node credential may do, after Kubernetes' Node authorizer and NodeRestriction admission:
// read the kinds a node agent needs (Nodes, Pods, Services, Endpoints, Namespaces), write only its
// own Node (never its podCIDR once the control plane gave one: that decides where other hosts route;
// nor its role and node-restriction labels),
// and write only the status of pods bound to it (a status subresource's semantics: whatever else
// the body says, the rest of the stored pod stays). Everything else is 403 Forbidden. Applied as a
// view of the store, so every handler (get, list, watch, create, update, patch, delete, apply)
// goes through the same rules.

import type { Node, Pod, Resource, ResourceKind } from '../../api/index.js';
import { namespaceOf } from '../../api/index.js';
import type { ConfigStore, WatchOptions } from '../../store/index.js';
import { ApiError } from './api-error.js';

const READABLE: ReadonlySet<ResourceKind> = new Set<ResourceKind>([
  'Node',
  'Pod',
  'Service',
  'Endpoints',
  'Namespace',
]);
/** A status write lost to a concurrent writer is made again on the newer object this many times. */
const STATUS_WRITE_ATTEMPTS = 5;

function forbidden(nodeName: string, what: string): ApiError {
  return new ApiError('AUTOMESH_ERR_API_FORBIDDEN', `node "${nodeName}" cannot ${what}`);
}

/**
 * Labels a node may not give itself (NodeRestriction's `node-restriction.kubernetes.io/`, and the
 * roles): whatever it sends, those stay as stored, so a node cannot attract pods pinned elsewhere.
 */
const PROTECTED_LABEL_PREFIXES = ['node-restriction.kubernetes.io/', 'node-role.kubernetes.io/'];
const isProtected = (key: string): boolean => PROTECTED_LABEL_PREFIXES.some((p) => key.startsWith(p));

function withProtectedLabels(node: Node, stored: Node | undefined): Node {
  const own = Object.entries(node.metadata.labels ?? {}).filter(([key]) => !isProtected(key));
  const kept = Object.entries(stored?.metadata.labels ?? {}).filter(([key]) => isProtected(key));
  return { ...node, metadata: { ...node.metadata, labels: Object.fromEntries([...own, ...kept]) } };
}

function isConflict(err: unknown): boolean {
  return (err as { code?: string }).code === 'AUTOMESH_ERR_STORE_CONFLICT';
}

export function nodeRestrictedStore(store: ConfigStore, nodeName: string): ConfigStore {
  const readable = (kind: ResourceKind): void => {
    if (!READABLE.has(kind)) throw forbidden(nodeName, `read ${kind} objects`);
  };
  const writeNode = async (node: Resource, create: boolean): Promise<Resource> => {
    if (node.metadata.name !== nodeName) throw forbidden(nodeName, `write Node "${node.metadata.name}"`);
    const stored = (await store.get('Node', undefined, nodeName)) as Node | undefined;
    const given = withProtectedLabels(node as Node, stored);
    const podCIDR = stored?.spec?.podCIDR;
    const kept: Node =
      podCIDR === undefined
        ? given
        : { ...given, spec: { ...given.spec, podCIDR, podCIDRs: stored?.spec?.podCIDRs ?? [podCIDR] } };
    return create ? store.create(kept) : store.update(kept);
  };
  const writePodStatus = async (pod: Pod): Promise<Resource> => {
    const namespace = namespaceOf(pod);
    for (let attempt = 1; ; attempt++) {
      const stored = (await store.get('Pod', namespace, pod.metadata.name)) as Pod | undefined;
      if (stored === undefined) return store.update(pod); // the store's NotFound
      if (stored.spec.nodeName !== nodeName)
        throw forbidden(
          nodeName,
          `write pod ${namespace}/${pod.metadata.name}: it is not bound to this node`,
        );
      const version = pod.metadata.resourceVersion ?? stored.metadata.resourceVersion;
      const next: Pod = {
        ...stored,
        metadata: { ...stored.metadata, ...(version === undefined ? {} : { resourceVersion: version }) },
        ...(pod.status === undefined ? {} : { status: pod.status }),
      };
      try {
        return await store.update(next);
      } catch (err) {
        // Without a version of its own the writer asked for no conflict check: retry on the newer pod.
        if (
          !isConflict(err) ||
          pod.metadata.resourceVersion !== undefined ||
          attempt >= STATUS_WRITE_ATTEMPTS
        )
          throw err;
      }
    }
  };
  const write = (resource: Resource, create: boolean): Promise<Resource> => {
    if (resource.kind === 'Node') return writeNode(resource, create);
    if (resource.kind === 'Pod' && !create) return writePodStatus(resource);
    return Promise.reject(forbidden(nodeName, `${create ? 'create' : 'update'} ${resource.kind} objects`));
  };
  return {
    get: async (kind, namespace, name) => {
      readable(kind);
      return store.get(kind, namespace, name);
    },
    list: async (kind, options) => {
      readable(kind);
      return store.list(kind, options);
    },
    create: (resource) => write(resource, true),
    update: (resource) => write(resource, false),
    delete: (kind) => Promise.reject(forbidden(nodeName, `delete ${kind} objects`)),
    applyBatch: () => Promise.reject(forbidden(nodeName, 'apply batches')),
    watch: (options: WatchOptions, onEvent) => {
      const kinds = options.kinds ?? [];
      if (kinds.length === 0) throw forbidden(nodeName, 'watch every kind');
      kinds.forEach(readable);
      return store.watch(options, onEvent);
    },
    revision: () => store.revision(),
    close: () => Promise.reject(forbidden(nodeName, 'close the store')),
  };
}
