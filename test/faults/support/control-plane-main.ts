// The control plane alone, as its own process, so a fault test can SIGKILL it:
// `node --import tsx control-plane-main.ts <stateDir>`. Prints `ready` once it serves.
// AUTOMESH_TEST_SVID_TTL_SECONDS sets the SVID lifetime the CA hands out.
import { startControlPlane } from '../../../src/controlplane/index.js';
import { createLogger } from '../../../src/log/index.js';

const stateDir = process.argv[2];
if (stateDir === undefined) throw new Error('usage: control-plane-main.ts <stateDir>');
const ttl = process.env['AUTOMESH_TEST_SVID_TTL_SECONDS'];
const controlPlane = await startControlPlane({
  stateDir,
  logger: createLogger({ component: 'controlplane' }),
  ...(ttl === undefined ? {} : { svidTtlSeconds: Number(ttl) }),
});
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void controlPlane.close().then(() => process.exit(0));
});
