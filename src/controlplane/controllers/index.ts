// Public surface of the controllers: what turns Deployments into scheduled pods, judges nodes and
// writes Endpoints, run once across replicas by the control plane's leader election.
export {
  ControllerManager,
  NODE_HEARTBEAT_MS,
  NODE_MONITOR_GRACE_MS,
  NODE_MONITOR_PERIOD_MS,
  POD_EVICTION_TIMEOUT_MS,
} from './controller-manager.js';
export type { ControllerOptions, ControllerSettings } from './controller-manager.js';
export type { ResourceBackend, BackendWatchEvent } from './resource-backend.js';
export { SerialTask } from './serial-task.js';
export { withoutVersion, namespacedKey } from './cluster-view.js';
export { ownerDeployment, podForDeployment, POD_TEMPLATE_HASH_LABEL } from './pod-factory.js';
export { podTemplateHash, podName, randomPodSuffix } from './pod-naming.js';
export { planDeployment } from './deployment-plan.js';
export type { DeploymentPlan } from './deployment-plan.js';
export { schedulePod, NodeLoad } from './schedule-pod.js';
export type { Placement } from './schedule-pod.js';
export { judgeNode } from './node-health.js';
export type { NodeJudgement, NodeLifecycleConfig, NodeObservation } from './node-health.js';
export {
  planPodCidrs,
  parseCidr,
  parseIpv4,
  ipv4Text,
  cidrText,
  cidrContains,
  DEFAULT_NODE_CIDR_MASK_SIZE,
} from './pod-cidr-plan.js';
export type { Ipv4Cidr } from './pod-cidr-plan.js';
