// The status rules of a local pod, without processes: Pending until a container started, Running
// after, Pending while one container's image cannot run, Ready only when every container is.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { podStatus } from '../../src/runtime/pod-status.js';
import type { ContainerView } from '../../src/runtime/pod-status.js';

const running = {
  running: true,
  restartCount: 0,
  current: { state: 'running' as const, startedAt: '2026-12-02T00:00:00Z' },
};

function view(name: string, overrides: Partial<ContainerView> = {}): ContainerView {
  return { name, image: `${name}:1`, program: undefined, process: running, ready: true, ...overrides };
}

function condition(status: ReturnType<typeof podStatus>, type: string): string | undefined {
  return status.conditions?.find((c) => c.type === type)?.status;
}

describe('pod status', () => {
  it('is Running and Ready when every container runs and answers', () => {
    const status = podStatus([view('app'), view('istio-proxy')], '127.20.0.2', '127.0.0.1');
    assert.equal(status.phase, 'Running');
    assert.equal(condition(status, 'Ready'), 'True');
    assert.equal(condition(status, 'ContainersReady'), 'True');
    assert.deepEqual(
      status.containerStatuses?.map((c) => [c.name, c.ready, Object.keys(c.state)[0]]),
      [
        ['app', true, 'running'],
        ['istio-proxy', true, 'running'],
      ],
    );
  });

  it('is not Ready while one container does not answer yet', () => {
    const status = podStatus([view('app', { ready: false }), view('istio-proxy')], '127.20.0.2', '127.0.0.1');
    assert.equal(status.phase, 'Running');
    assert.equal(condition(status, 'Ready'), 'False');
  });

  it('is Pending, ContainerCreating, before any process exists', () => {
    const status = podStatus([view('app', { process: undefined, ready: false })], '127.20.0.2', '127.0.0.1');
    assert.equal(status.phase, 'Pending');
    assert.deepEqual(status.containerStatuses?.[0]?.state, { waiting: { reason: 'ContainerCreating' } });
  });

  it('stays Pending with the reason when an image cannot run, even beside a running container', () => {
    const unsupported = {
      kind: 'unsupported' as const,
      reason: 'ErrImageUnsupported' as const,
      message: 'no program for image x',
    };
    const status = podStatus(
      [view('app'), view('x', { program: unsupported, process: undefined, ready: false })],
      '127.20.0.2',
      '127.0.0.1',
    );
    assert.equal(status.phase, 'Pending');
    assert.deepEqual(status.containerStatuses?.[1]?.state, {
      waiting: { reason: 'ErrImageUnsupported' as const, message: 'no program for image x' },
    });
  });

  it('counts a container that exited and restarts as started', () => {
    const crashed = {
      running: false,
      restartCount: 2,
      current: { state: 'waiting' as const, reason: 'CrashLoopBackOff' },
    };
    const status = podStatus([view('app', { process: crashed, ready: false })], '127.20.0.2', '127.0.0.1');
    assert.equal(status.phase, 'Running');
    assert.equal(status.containerStatuses?.[0]?.restartCount, 2);
  });

  it('has no Ready pod without containers', () => {
    assert.equal(condition(podStatus([], '127.20.0.2', '127.0.0.1'), 'Ready'), 'False');
  });
});
