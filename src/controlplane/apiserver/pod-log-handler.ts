// GET /api/v1/namespaces/{ns}/pods/{name}/log?container=&follow=&tailLines=: what `kubectl logs`
// reads after choosing the container. The output itself is kept by whoever runs the pods (the
// local runtime, in files under the state directory): the composition hands the server a
// PodLogSource. `follow` streams what is appended until the client or the server goes.

import { createReadStream, existsSync, readFileSync, statSync, unwatchFile, watchFile } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { Pod } from '../../api/index.js';
import { ApiError } from './api-error.js';
import { containerOf } from './pod-container.js';
import type { HandlerContext } from './resource-handlers.js';
import type { Route } from './route.js';
import type { WatchRegistry } from './watch-stream.js';
import { lastLines } from '../../api/log-tail.js';
import { queryFlag } from './query-flag.js';

/** Where a container's output is; the runtime's layout, given by the composition root. */
export interface PodLogSource {
  logFile(namespace: string, pod: string, container: string): string;
}

export type PodLogRoute = Extract<Route, { type: 'pod-log' }>;

/** How often a followed log is checked for new output. */
const FOLLOW_POLL_MS = 250;

function tailLinesOf(value: string | null): number | undefined {
  if (value === null) return undefined;
  if (!/^\d+$/.test(value))
    throw new ApiError('AUTOMESH_ERR_API_BAD_REQUEST', `invalid tailLines "${value}"`);
  return Number(value);
}

export async function handlePodLog(
  ctx: HandlerContext,
  route: PodLogRoute,
  url: URL,
  res: ServerResponse,
  registry: WatchRegistry,
): Promise<void> {
  if (ctx.podLogs === undefined)
    throw new ApiError('AUTOMESH_ERR_API_NOT_FOUND', 'this API server keeps no pod logs');
  const pod = (await ctx.store.get('Pod', route.namespace, route.name)) as Pod | undefined;
  if (pod === undefined) {
    throw new ApiError('AUTOMESH_ERR_API_NOT_FOUND', `pods "${route.name}" not found`, {
      name: route.name,
      kind: 'pods',
    });
  }
  const container = containerOf(pod, url.searchParams.get('container'));
  const tail = tailLinesOf(url.searchParams.get('tailLines'));
  const follow = queryFlag(url.searchParams, 'follow');
  const file = ctx.podLogs.logFile(route.namespace, route.name, container);
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
  res.write(lastLines(text, tail));
  if (!follow) {
    res.end();
    return;
  }
  let offset = Buffer.byteLength(text);
  const onChange = (): void => {
    const size = existsSync(file) ? statSync(file).size : 0;
    if (size < offset) offset = 0; // truncated: start over
    if (size === offset) return;
    createReadStream(file, { start: offset, end: size - 1 }).pipe(res, { end: false });
    offset = size;
  };
  watchFile(file, { interval: FOLLOW_POLL_MS }, onChange);
  const end = (): void => {
    unwatchFile(file, onChange);
    unregister();
    res.end();
  };
  const unregister = registry.add(end);
  res.on('close', end);
}
