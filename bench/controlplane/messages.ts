// IPC between the benchmark driver and the control-plane process.

export type Scenario = 'namespace-dr' | 'mesh-pa';

export type ToControlPlane =
  | { type: 'start'; n: number; debounceMs: number }
  | { type: 'await-synced'; count: number }
  | { type: 'change'; scenario: Scenario; trial: number }
  | { type: 'stop' };

export interface Memory {
  rssMb: number;
  heapMb: number;
}

export interface ChangeResult {
  type: 'changed';
  scenario: Scenario;
  converged: boolean;
  affected: number;
  proxies: number;
  /** Write → last affected proxy acked. */
  lastAckMs: number;
  /** Write → median affected proxy acked. */
  medianAckMs: number;
  /** Write → waitForConvergence resolved. */
  waitMs: number;
  /** Control-plane CPU (user + system) during the change. */
  cpuMs: number;
  memory: Memory;
}

export type FromControlPlane =
  | {
      type: 'ready';
      address: string;
      rootPem: string;
      svids: Record<string, { privateKeyPem: string; certChainPem: string[] }>;
    }
  | { type: 'synced'; converged: boolean; ms: number; memory: Memory }
  | ChangeResult;
