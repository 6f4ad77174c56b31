// A pod's status as Kubernetes shows it, from what its containers are doing: pure, so the rules
// (Running once a container started and none cannot run; Ready when every container is) are
// read and tested in one place.

import type { ContainerStatus, Pod, PodCondition } from '../api/index.js';
import type { ImageProgram } from './image-program.js';
import type { ProcessState } from './supervised-process.js';

/** What the status needs to know of one container. */
export interface ContainerView {
  name: string;
  image: string;
  program: ImageProgram | undefined;
  /** Undefined when no process was ever made for it (its image cannot run). */
  process: { running: boolean; restartCount: number; current: ProcessState } | undefined;
  ready: boolean;
}

export function containerStatus(view: ContainerView): ContainerStatus {
  const p = view.process;
  let state: Record<string, unknown>;
  if (view.program?.kind === 'unsupported') {
    state = { waiting: { reason: view.program.reason, message: view.program.message } };
  } else {
    const { state: kind, ...details } = p?.current ?? { state: 'waiting', reason: 'ContainerCreating' };
    state = { [kind]: details };
  }
  return {
    name: view.name,
    image: view.image,
    ready: view.ready,
    restartCount: p?.restartCount ?? 0,
    state,
  };
}

export function podStatus(
  containers: readonly ContainerView[],
  podIP: string,
  hostIP: string,
): NonNullable<Pod['status']> {
  const anyStarted = containers.some(
    ({ process: p }) =>
      p !== undefined && (p.running || p.restartCount > 0 || p.current.state === 'terminated'),
  );
  const cannotRun = containers.some((c) => c.program?.kind === 'unsupported');
  const ready = containers.length > 0 && containers.every((c) => c.ready);
  const condition = (type: PodCondition['type'], ok: boolean): PodCondition => ({
    type,
    status: ok ? 'True' : 'False',
  });
  return {
    phase: anyStarted && !cannotRun ? 'Running' : 'Pending',
    podIP,
    hostIP,
    conditions: [
      condition('Initialized', true),
      condition('Ready', ready),
      condition('ContainersReady', ready),
      condition('PodScheduled', true),
    ],
    containerStatuses: containers.map(containerStatus),
  };
}
