// The control plane alone, as its own process, so a fault test can SIGKILL it:
// `node --import tsx control-plane-main.ts <stateDir>`. Prints `ready` once it serves.
import { startControlPlane } from '../../../src/controlplane/index.js';
import { createLogger } from '../../../src/log/index.js';

const stateDir = process.argv[2];
if (stateDir === undefined) throw new Error('usage: control-plane-main.ts <stateDir>');
const controlPlane = await startControlPlane({
  stateDir,
  logger: createLogger({ component: 'controlplane' }),
});
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void controlPlane.close().then(() => process.exit(0));
});
