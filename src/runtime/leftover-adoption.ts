// Which processes an earlier runtime left running for a pod may be taken over: one that still runs
// as that pod's container, started from the same spec (pod UID, container name and launch hash in
// its environment, see process-identity), is adopted; every other (another pod of the same name, an
// older spec, a container the pod no longer has) is to be killed, so it cannot hold the ports.

import { AdoptedProcess } from './adopted-process.js';
import { carriesIdentity, processStartTicks } from './process-identity.js';

export interface LeftoverCandidate {
  container: string;
  /** The marker variables a process of this container, started now, would carry. */
  identity: Record<string, string>;
}

export interface LeftoverVerdict {
  adopt: Map<string, AdoptedProcess>;
  kill: number[];
}

/** `leftovers`: container name → pid; `canAdopt` false (a pod without a UID) kills them all. */
export function judgeLeftovers(
  leftovers: ReadonlyMap<string, number>,
  candidates: readonly LeftoverCandidate[],
  canAdopt: boolean,
): LeftoverVerdict {
  const verdict: LeftoverVerdict = { adopt: new Map(), kill: [] };
  for (const [container, pid] of leftovers) {
    const ticks = processStartTicks(pid);
    if (ticks === undefined) continue; // gone already
    const candidate = candidates.find((c) => c.container === container);
    if (canAdopt && candidate !== undefined && carriesIdentity(pid, candidate.identity)) {
      verdict.adopt.set(container, new AdoptedProcess(pid, ticks));
    } else {
      verdict.kill.push(pid);
    }
  }
  return verdict;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits (bounded) until the killed processes are gone, so their ports are free again. */
export async function waitGone(pids: readonly number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some((p) => processStartTicks(p) !== undefined) && Date.now() < deadline) await sleep(25);
}
