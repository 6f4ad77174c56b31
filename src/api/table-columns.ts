// Table columns per kind, as `kubectl get` prints them (and `-o wide` extends them): the one
// definition used by the API server's Table answers (what the real kubectl prints) and by
// `automesh get`. Pure: the clock is an argument.
import type {
  Deployment,
  DestinationRule,
  Endpoints,
  Namespace,
  Node,
  PeerAuthentication,
  Pod,
  Service,
} from './resources.js';
import { formatAge } from './age.js';
import { nodeReadyCondition } from './node-readiness.js';

export interface Column {
  header: string;
  cell: (object: AnyObject, nowMs: number) => string;
  /** Only with `-o wide`. */
  wide?: boolean;
}

/** An object as the API server returns it: typed access happens per kind below. */
export type AnyObject = {
  metadata?: { name?: string; namespace?: string; creationTimestamp?: string };
} & Record<string, unknown>;

const NAME: Column = { header: 'NAME', cell: (o) => o.metadata?.name ?? '' };
const AGE: Column = { header: 'AGE', cell: (o, now) => formatAge(o.metadata?.creationTimestamp, now) };
const NONE = '<none>';

const asPod = (o: AnyObject): Pod => o as unknown as Pod;

type ContainerState = {
  waiting?: { reason?: string };
  running?: unknown;
  terminated?: { reason?: string; exitCode?: number; signal?: number };
};

/** One container's contribution to STATUS, as kubectl words it; undefined when it has none. */
function containerReason(state: ContainerState): string | undefined {
  if (state.waiting?.reason) return state.waiting.reason;
  const terminated = state.terminated;
  if (terminated === undefined) return undefined;
  if (terminated.reason) return terminated.reason;
  return terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode ?? 0}`;
}

/**
 * STATUS as kubectl derives it: Terminating while being deleted; else the reason of the first
 * container that has one (waiting or terminated); else the phase. `Completed` with a container
 * still running reads `Running` (or `NotReady`).
 */
export function podStatus(pod: Pod): string {
  const meta = pod.metadata as { deletionTimestamp?: string };
  if (meta.deletionTimestamp !== undefined) return 'Terminating';
  const statuses = pod.status?.containerStatuses ?? [];
  const firstReason = statuses
    .map((cs) => containerReason(cs.state as ContainerState))
    .find((r) => r !== undefined);
  const reason =
    firstReason ?? (pod.status as { reason?: string } | undefined)?.reason ?? pod.status?.phase ?? 'Pending';
  const running = statuses.some((cs) => cs.ready && (cs.state as ContainerState).running !== undefined);
  if (reason === 'Completed' && running) {
    const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
    return ready ? 'Running' : 'NotReady';
  }
  return reason;
}

function podReady(pod: Pod): string {
  const statuses = pod.status?.containerStatuses ?? [];
  const total = Math.max(statuses.length, pod.spec?.containers?.length ?? 0);
  return `${statuses.filter((s) => s.ready).length}/${total}`;
}

function podRestarts(pod: Pod): string {
  return String((pod.status?.containerStatuses ?? []).reduce((sum, s) => sum + (s.restartCount ?? 0), 0));
}

const POD_COLUMNS: Column[] = [
  NAME,
  { header: 'READY', cell: (o) => podReady(asPod(o)) },
  { header: 'STATUS', cell: (o) => podStatus(asPod(o)) },
  { header: 'RESTARTS', cell: (o) => podRestarts(asPod(o)) },
  AGE,
  { header: 'IP', wide: true, cell: (o) => asPod(o).status?.podIP ?? NONE },
  { header: 'NODE', wide: true, cell: (o) => (asPod(o).spec as { nodeName?: string }).nodeName ?? NONE },
  { header: 'NOMINATED NODE', wide: true, cell: () => NONE },
  { header: 'READINESS GATES', wide: true, cell: () => NONE },
];

function servicePorts(svc: Service): string {
  const ports = svc.spec?.ports ?? [];
  if (ports.length === 0) return NONE;
  return ports
    .map((p) => {
      const nodePort = (p as { nodePort?: number }).nodePort;
      return `${p.port}${nodePort === undefined ? '' : `:${nodePort}`}/${p.protocol ?? 'TCP'}`;
    })
    .join(',');
}

function selectorText(selector: Record<string, string> | undefined): string {
  const entries = Object.entries(selector ?? {});
  return entries.length === 0 ? NONE : entries.map(([k, v]) => `${k}=${v}`).join(',');
}

const asSvc = (o: AnyObject): Service => o as unknown as Service;

const SERVICE_COLUMNS: Column[] = [
  NAME,
  { header: 'TYPE', cell: (o) => asSvc(o).spec?.type ?? 'ClusterIP' },
  { header: 'CLUSTER-IP', cell: (o) => asSvc(o).spec?.clusterIP ?? NONE },
  {
    header: 'EXTERNAL-IP',
    cell: (o) => ((asSvc(o).spec as { externalIPs?: string[] }).externalIPs ?? []).join(',') || NONE,
  },
  { header: 'PORT(S)', cell: (o) => servicePorts(asSvc(o)) },
  AGE,
  { header: 'SELECTOR', wide: true, cell: (o) => selectorText(asSvc(o).spec?.selector) },
];

const asDeploy = (o: AnyObject): Deployment => o as unknown as Deployment;

function deploymentSelector(d: Deployment): Record<string, string> | undefined {
  return d.spec?.selector?.matchLabels ?? d.spec?.template?.metadata?.labels;
}

const DEPLOYMENT_COLUMNS: Column[] = [
  NAME,
  {
    header: 'READY',
    cell: (o) => {
      const d = asDeploy(o);
      return `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`;
    },
  },
  {
    header: 'UP-TO-DATE',
    cell: (o) => String(asDeploy(o).status?.updatedReplicas ?? 0),
  },
  { header: 'AVAILABLE', cell: (o) => String(asDeploy(o).status?.availableReplicas ?? 0) },
  AGE,
  {
    header: 'CONTAINERS',
    wide: true,
    cell: (o) => (asDeploy(o).spec?.template?.spec?.containers ?? []).map((c) => c.name).join(','),
  },
  {
    header: 'IMAGES',
    wide: true,
    cell: (o) => (asDeploy(o).spec?.template?.spec?.containers ?? []).map((c) => c.image).join(','),
  },
  { header: 'SELECTOR', wide: true, cell: (o) => selectorText(deploymentSelector(asDeploy(o))) },
];

const NAMESPACE_COLUMNS: Column[] = [
  NAME,
  { header: 'STATUS', cell: (o) => (o as unknown as Namespace).status?.phase ?? 'Active' },
  AGE,
];

const asNode = (o: AnyObject): Node => o as unknown as Node;
const UNKNOWN = '<unknown>';
const ROLE_LABEL_PREFIX = 'node-role.kubernetes.io/';

/** STATUS as kubectl prints a node: Ready / NotReady (any other Ready status), `,SchedulingDisabled`. */
export function nodeStatus(node: Node): string {
  const ready = nodeReadyCondition(node);
  const status = ready === undefined ? ['Unknown'] : [ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (node.spec?.unschedulable === true) status.push('SchedulingDisabled');
  return status.join(',');
}

/** ROLES from `node-role.kubernetes.io/<role>` and `kubernetes.io/role=<role>` labels, as kubectl. */
function nodeRoles(node: Node): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(node.metadata?.labels ?? {})) {
    if (key.startsWith(ROLE_LABEL_PREFIX) && key.length > ROLE_LABEL_PREFIX.length) {
      roles.add(key.slice(ROLE_LABEL_PREFIX.length));
    } else if (key === 'kubernetes.io/role' && value !== '') roles.add(value);
  }
  return roles.size === 0 ? NONE : [...roles].sort().join(',');
}

function nodeAddress(node: Node, type: string): string {
  return node.status?.addresses?.find((a) => a.type === type)?.address ?? NONE;
}

const NODE_COLUMNS: Column[] = [
  NAME,
  { header: 'STATUS', cell: (o) => nodeStatus(asNode(o)) },
  { header: 'ROLES', cell: (o) => nodeRoles(asNode(o)) },
  AGE,
  { header: 'VERSION', cell: (o) => asNode(o).status?.nodeInfo?.kubeletVersion ?? '' },
  { header: 'INTERNAL-IP', wide: true, cell: (o) => nodeAddress(asNode(o), 'InternalIP') },
  { header: 'EXTERNAL-IP', wide: true, cell: (o) => nodeAddress(asNode(o), 'ExternalIP') },
  { header: 'OS-IMAGE', wide: true, cell: (o) => asNode(o).status?.nodeInfo?.osImage || UNKNOWN },
  { header: 'KERNEL-VERSION', wide: true, cell: (o) => asNode(o).status?.nodeInfo?.kernelVersion || UNKNOWN },
  {
    header: 'CONTAINER-RUNTIME',
    wide: true,
    cell: (o) => asNode(o).status?.nodeInfo?.containerRuntimeVersion || UNKNOWN,
  },
];

const MAX_ENDPOINTS_SHOWN = 3;

/** `10.0.0.1:80,10.0.0.2:80 + 2 more...` as kubectl prints ready endpoint addresses. */
export function formatEndpoints(ep: Endpoints): string {
  const all: string[] = [];
  for (const subset of ep.subsets ?? []) {
    const ports = subset.ports && subset.ports.length > 0 ? subset.ports : [undefined];
    for (const port of ports) {
      for (const address of subset.addresses ?? []) {
        all.push(port === undefined ? address.ip : `${address.ip}:${port.port}`);
      }
    }
  }
  if (all.length === 0) return NONE;
  const shown = all.slice(0, MAX_ENDPOINTS_SHOWN).join(',');
  return all.length > MAX_ENDPOINTS_SHOWN ? `${shown} + ${all.length - MAX_ENDPOINTS_SHOWN} more...` : shown;
}

const ENDPOINTS_COLUMNS: Column[] = [
  NAME,
  { header: 'ENDPOINTS', cell: (o) => formatEndpoints(o as unknown as Endpoints) },
  AGE,
];

const SERVICE_ACCOUNT_COLUMNS: Column[] = [
  NAME,
  { header: 'SECRETS', cell: (o) => String(((o as { secrets?: unknown[] }).secrets ?? []).length) },
  AGE,
];

const DESTINATION_RULE_COLUMNS: Column[] = [
  NAME,
  { header: 'HOST', cell: (o) => (o as unknown as DestinationRule).spec?.host ?? '' },
  AGE,
];

const PEER_AUTHENTICATION_COLUMNS: Column[] = [
  NAME,
  { header: 'MODE', cell: (o) => (o as unknown as PeerAuthentication).spec?.mtls?.mode ?? '' },
  AGE,
];

const CONFIG_MAP_COLUMNS: Column[] = [
  NAME,
  {
    header: 'DATA',
    cell: (o) => {
      const { data, binaryData } = o as { data?: object; binaryData?: object };
      return String(Object.keys(data ?? {}).length + Object.keys(binaryData ?? {}).length);
    },
  },
  AGE,
];

const COLUMNS_BY_KIND: Record<string, Column[]> = {
  ConfigMap: CONFIG_MAP_COLUMNS,
  Pod: POD_COLUMNS,
  Service: SERVICE_COLUMNS,
  Deployment: DEPLOYMENT_COLUMNS,
  Namespace: NAMESPACE_COLUMNS,
  Node: NODE_COLUMNS,
  Endpoints: ENDPOINTS_COLUMNS,
  ServiceAccount: SERVICE_ACCOUNT_COLUMNS,
  DestinationRule: DESTINATION_RULE_COLUMNS,
  PeerAuthentication: PEER_AUTHENTICATION_COLUMNS,
};

const NAMESPACE_COLUMN: Column = { header: 'NAMESPACE', cell: (o) => o.metadata?.namespace ?? '' };

/** The columns `kubectl get <kind>` shows, with `-o wide` and `--all-namespaces` applied. */
export function columnsFor(kind: string, options: { wide: boolean; allNamespaces: boolean }): Column[] {
  const base = (COLUMNS_BY_KIND[kind] ?? [NAME, AGE]).filter((c) => options.wide || c.wide !== true);
  return options.allNamespaces ? [NAMESPACE_COLUMN, ...base] : base;
}
