// Entry point of the built-in httpbin process: `httpbin-main --host H --port P`. The runtime spawns
// it for httpbin images; it listens where the image would and exits cleanly on SIGTERM.

import { parseArgs } from 'node:util';
import { createHttpbinServer } from './httpbin.js';

const { values } = parseArgs({
  options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '80' } },
});
const server = createHttpbinServer();
server.on('error', (err) => {
  process.stderr.write(`httpbin: ${err.message}\n`);
  process.exit(1);
});
server.listen(Number(values.port), values.host, () => {
  process.stdout.write(`httpbin: listening on ${values.host}:${values.port}\n`);
});
const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
