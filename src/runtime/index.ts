// Public surface of the runtime module: the node agent (pods bound to its node, as processes),
// the privileged-port mapping and the pieces the CLI needs (container environment, httpbin).
export { startNodeAgent, NODE_RESYNC_MS } from './node-agent.js';
export type { NodeAgent, NodeAgentOptions } from './node-agent.js';
export { NODE_AGENT_VERSION, nodeObject } from './node-registration.js';
export { podDirectory, PodDirectory, SIDECAR_RECORD_FILE } from './pod-directory.js';
export { killLeftoverProcesses } from './leftover-processes.js';
export { readSidecarRecords } from './sidecar-record.js';
export type { SidecarRecord } from './sidecar-record.js';
export type { RuntimeBackend, BackendWatchEvent } from './runtime-backend.js';
export type { StartSidecar, MintPodToken, SidecarContext } from './pod-worker.js';
export type { ProcessHandle, BackoffOptions } from './supervised-process.js';
export { hostPort, runningAsRoot, PRIVILEGED_PORT_OFFSET } from './host-port.js';
export { AddressAllocator, DEFAULT_ADDRESS_BLOCK } from './address-allocator.js';
export type { PodAddresses } from './address-allocator.js';
export { containerEnvironment, execEnvironment, appHostOf } from './container-env.js';
export { imageProgram, imageName } from './image-program.js';
export { createHttpbinServer } from './images/httpbin.js';
export { startServiceProxy } from './service-proxy.js';
export { ServiceTable, parseServiceHost } from './service-table.js';
export type { PodView, Resolution } from './service-table.js';
export { RuntimeError } from './runtime-error.js';
export type { RuntimeErrorCode } from './runtime-error.js';
export { ApiBackend } from './api-backend.js';
export { ApiServers } from './api-servers.js';
