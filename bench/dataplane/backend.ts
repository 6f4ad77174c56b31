// The benchmark's app: a small Node HTTP/1.1 server answering every request with 13 bytes.
import { createServer } from 'node:http';

const [host = '127.0.0.1', port = '18080'] = process.argv.slice(2);
const body = Buffer.from('hello, mesh!\n');
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(port), host, () => process.stdout.write(`backend listening on ${host}:${port}\n`));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
