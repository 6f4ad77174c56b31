// A runtime as its own process, so that a test can kill it with SIGKILL and leave its pods running:
// `node --import tsx runtime-main.ts <stateDir> <addressBlock>`. Runs what the store in <stateDir>
// holds and prints `ready <pods as JSON>` once every pod is Ready.
import { SqliteConfigStore } from '../../src/store/index.js';
import { startLocalNode } from './local-node.js';
import { adoptionOptions } from './adoption-support.js';

const [stateDir, block] = process.argv.slice(2);
if (stateDir === undefined || block === undefined)
  throw new Error('usage: runtime-main.ts <stateDir> <block>');
const store = SqliteConfigStore.inStateDir(stateDir);
const runtime = await startLocalNode(adoptionOptions(store, stateDir, Number(block), 'a'));
const isReady = (p: { status?: { conditions?: { type: string; status: string }[] } }): boolean =>
  p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
for (let i = 0; i < 300; i++) {
  const pods = runtime.pods();
  if (pods.length > 0 && pods.every(isReady)) {
    await runtime.settle();
    process.stdout.write(`ready ${JSON.stringify(pods.map((p) => p.metadata.name))}\n`);
    break;
  }
  await new Promise((r) => setTimeout(r, 100));
}
process.once('SIGTERM', () => {
  void runtime.stop().then(() => process.exit(0));
});
