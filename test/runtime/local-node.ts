// One machine as `automesh up` makes it, for the runtime's tests: the control plane's controllers
// (Deployment, scheduler, node lifecycle, Endpoints) and one node agent, on the same backend.
import { ControllerManager } from '../../src/controlplane/index.js';
import type { ControllerOptions } from '../../src/controlplane/index.js';
import { silentLogger } from '../../src/log/index.js';
import { startNodeAgent } from '../../src/runtime/index.js';
import type { NodeAgent, NodeAgentOptions } from '../../src/runtime/index.js';

export const LOCAL_NODE = 'local';

export type LocalNodeOptions = Omit<NodeAgentOptions, 'nodeName'> & { nodeName?: string };

/** A node agent with the controllers beside it; stop() stops both, settle() waits for both. */
export async function startLocalNode(
  options: LocalNodeOptions,
  controllerOptions: Partial<ControllerOptions> = {},
): Promise<NodeAgent> {
  const controllers = new ControllerManager({
    backend: options.backend,
    logger: silentLogger,
    ...controllerOptions,
  });
  controllers.start();
  let agent: NodeAgent;
  try {
    agent = await startNodeAgent({ nodeName: LOCAL_NODE, ...options });
  } catch (err) {
    await controllers.stop();
    throw err;
  }
  return {
    nodeName: agent.nodeName,
    pods: () => agent.pods(),
    settle: async () => {
      // Each side's writes start work on the other: twice settles what the first round started.
      for (let i = 0; i < 2; i++) {
        await controllers.settle();
        await agent.settle();
      }
    },
    stop: async () => {
      await controllers.stop();
      await agent.stop();
    },
  };
}
