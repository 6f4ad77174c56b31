// The leader election on a real etcd member: one leader among replicas; a replica that closes
// resigns at once; a SIGKILLed leader's work moves within the lease TTL (+ one retry); a leader
// cut off from etcd stops its work before another can start it. The always-leader leads at once.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { AlwaysLeader, EtcdLeaderElection } from '../../src/store/index.js';
import { childScriptArgv } from '../support/child-script.js';
import { relay } from '../support/tcp-relay.js';
import { waitFor } from '../support/wait-for.js';
import { withEtcd } from './etcd-store-harness.js';

const TTL_SECONDS = 2;
const RETRY_MS = 100;

/** Start/stop instants of each replica's work: the intervals must never overlap. */
class Timeline {
  readonly spans: { who: string; from: number; to: number | undefined }[] = [];
  start(who: string, at = Date.now()): void {
    this.spans.push({ who, from: at, to: undefined });
  }
  stop(who: string, at = Date.now()): void {
    const open = this.spans.findLast((s) => s.who === who && s.to === undefined);
    if (open) open.to = at;
  }
  running(): string[] {
    return this.spans.filter((s) => s.to === undefined).map((s) => s.who);
  }
  assertNoOverlap(): void {
    const sorted = [...this.spans].sort((a, b) => a.from - b.from);
    for (let i = 1; i < sorted.length; i++) {
      const before = sorted[i - 1] as { who: string; to: number | undefined };
      const next = sorted[i] as { who: string; from: number };
      assert.ok(
        before.to !== undefined && before.to <= next.from,
        `${next.who} started at ${next.from} while ${before.who} ran (until ${before.to ?? 'still'})`,
      );
    }
  }
}

function replica(endpoint: string, prefix: string, who: string, timeline: Timeline): EtcdLeaderElection {
  const election = new EtcdLeaderElection({
    endpoints: [endpoint],
    prefix,
    identity: who,
    leaseTtlSeconds: TTL_SECONDS,
    retryMs: RETRY_MS,
  });
  election.runWhileLeader('work', () => {
    timeline.start(who);
    return () => timeline.stop(who);
  });
  return election;
}

it('AlwaysLeader starts the work at once and stops it on withdraw and close', async () => {
  const election = new AlwaysLeader();
  const events: string[] = [];
  const withdraw = election.runWhileLeader('a', () => {
    events.push('a+');
    return () => void events.push('a-');
  });
  election.runWhileLeader('b', () => {
    events.push('b+');
    return () => void events.push('b-');
  });
  assert.throws(() => election.runWhileLeader('a', () => () => undefined), /already runs/);
  await waitFor('both started', () => events.length === 2);
  assert.ok(election.isLeader('a'));
  await withdraw();
  assert.ok(!election.isLeader('a'));
  await election.close();
  assert.deepEqual(events, ['a+', 'b+', 'a-', 'b-']);
});

withEtcd(1, (etcd) => {
  const endpoint = (): string => etcd.cluster().endpoints[0] as string;

  it('one of three replicas leads; closing it moves the work at once, without waiting a TTL', async () => {
    const prefix = `/test/${randomUUID()}`;
    const timeline = new Timeline();
    const replicas = ['a', 'b', 'c'].map((who) => replica(endpoint(), prefix, who, timeline));
    try {
      const first = await waitFor('a leader', () => timeline.running()[0]);
      await new Promise((resolve) => setTimeout(resolve, 3 * RETRY_MS));
      assert.deepEqual(timeline.running(), [first]);
      const leader = replicas[['a', 'b', 'c'].indexOf(first)] as EtcdLeaderElection;
      assert.equal(await leader.leaderOf('work'), first);
      const closedAt = Date.now();
      await leader.close();
      const second = await waitFor('another leader', () => timeline.running()[0], 5_000, 10);
      const movedMs = Date.now() - closedAt;
      assert.notEqual(second, first);
      assert.ok(movedMs < TTL_SECONDS * 1000, `moved after ${movedMs} ms, not sooner than the TTL`);
      timeline.assertNoOverlap();
    } finally {
      for (const r of replicas) await r.close();
    }
  });

  it('a SIGKILLed leader process: another replica leads within TTL + one retry', async () => {
    const prefix = `/test/${randomUUID()}`;
    const child = spawn(
      process.execPath,
      [
        ...childScriptArgv(new URL('./fixtures/election-replica.ts', import.meta.url)),
        endpoint(),
        prefix,
        'work',
        String(TTL_SECONDS),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const lines: string[] = [];
    createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
    const timeline = new Timeline();
    let here: EtcdLeaderElection | undefined;
    try {
      await waitFor('child leads', () => lines.some((l) => l.startsWith('started')), 20_000);
      here = replica(endpoint(), prefix, 'here', timeline);
      await new Promise((resolve) => setTimeout(resolve, 5 * RETRY_MS));
      assert.deepEqual(timeline.running(), [], 'a second leader while the child leads');
      const killedAt = Date.now();
      child.kill('SIGKILL');
      await waitFor('takeover', () => timeline.running()[0] === 'here', 10_000, 10);
      const takeoverMs = Date.now() - killedAt;
      console.log(`# leader SIGKILLed: work moved after ${takeoverMs} ms (TTL ${TTL_SECONDS} s)`);
      assert.ok(
        takeoverMs <= TTL_SECONDS * 1000 + 2 * RETRY_MS + 500,
        `took ${takeoverMs} ms; the bound is TTL + retry`,
      );
    } finally {
      child.kill('SIGKILL');
      await here?.close();
    }
  });

  it('a leader cut off from etcd stops before another starts, and campaigns again after', async () => {
    const prefix = `/test/${randomUUID()}`;
    const cuttable = await relay(etcd.cluster().members[0]?.clientPort as number);
    const timeline = new Timeline();
    const a = replica(`127.0.0.1:${cuttable.port}`, prefix, 'a', timeline);
    let b: EtcdLeaderElection | undefined;
    try {
      await waitFor('a leads', () => timeline.running()[0] === 'a', 10_000);
      b = replica(endpoint(), prefix, 'b', timeline);
      await new Promise((resolve) => setTimeout(resolve, 5 * RETRY_MS));
      cuttable.cut();
      await waitFor('b leads', () => timeline.running().includes('b'), 15_000, 10);
      timeline.assertNoOverlap();
      cuttable.restore();
      await b.close();
      await waitFor('a leads again', () => timeline.running()[0] === 'a', 15_000);
      timeline.assertNoOverlap();
    } finally {
      await a.close();
      await b?.close();
      await cuttable.close();
    }
  });
});
