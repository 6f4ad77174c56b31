// `kubectl exec` (1.30+): a WebSocket upgrade on .../pods/{name}/exec?command=&container=&stdin=
// &stdout=&stderr=&tty= with the remote-command subprotocol v5.channel.k8s.io (v4 accepted). Each
// message starts with a channel byte: 0 stdin, 1 stdout, 2 stderr, 3 the final Status (its
// causes carry the ExitCode, so kubectl prints `command terminated with exit code N` itself), 4
// terminal resize, 255 (v5) "this channel is closed". The command runs as `automesh exec` runs
// it: with the container's environment from the PodExecutor the composition root gives (the
// runtime's), so its traffic goes through the pod's sidecar.

import { spawn } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Pod } from '../../api/index.js';
import { ApiError } from './api-error.js';
import { containerOf } from './pod-container.js';
import type { HandlerContext } from './resource-handlers.js';
import type { Route } from './route.js';
import type { WatchRegistry } from './watch-stream.js';
import { acceptWebSocket, offeredProtocols } from './websocket.js';
import { queryFlag } from './query-flag.js';

/** How a command runs as if in a pod's container; the runtime's, given by the composition root. */
export interface PodExecutor {
  /** The container's environment; undefined while the pod has no address yet. */
  environment(pod: Pod, container: string): Record<string, string> | undefined;
}

export type PodExecRoute = Extract<Route, { type: 'pod-exec' }>;

const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;
const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;
/** The exit code a shell gives for a command it cannot find. */
const EXIT_NOT_FOUND = 127;

function exitStatus(code: number, message?: string): Buffer {
  const status =
    code === 0
      ? { metadata: {}, status: 'Success' }
      : {
          metadata: {},
          status: 'Failure',
          message: message ?? `command terminated with non-zero exit code: exit status ${code}`,
          reason: 'NonZeroExitCode',
          details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
        };
  return Buffer.from(JSON.stringify(status));
}

/** Checks the request, then upgrades and runs the command; throws (before any byte) when refused. */
export async function handlePodExec(
  ctx: HandlerContext,
  route: PodExecRoute,
  url: URL,
  req: IncomingMessage,
  socket: Duplex,
  registry: WatchRegistry,
): Promise<void> {
  if (ctx.podExec === undefined)
    throw new ApiError('AUTOMESH_ERR_API_NOT_FOUND', 'this API server runs no commands in pods');
  const protocol = PROTOCOLS.find((p) => offeredProtocols(req).includes(p));
  if (protocol === undefined)
    throw new ApiError(
      'AUTOMESH_ERR_API_BAD_REQUEST',
      `exec speaks ${PROTOCOLS.join(' or ')} over a WebSocket`,
    );
  const pod = (await ctx.store.get('Pod', route.namespace, route.name)) as Pod | undefined;
  if (pod === undefined)
    throw new ApiError('AUTOMESH_ERR_API_NOT_FOUND', `pods "${route.name}" not found`, {
      name: route.name,
      kind: 'pods',
    });
  const container = containerOf(pod, url.searchParams.get('container'));
  const command = url.searchParams.getAll('command');
  if (command.length === 0)
    throw new ApiError('AUTOMESH_ERR_API_BAD_REQUEST', 'you must specify at least one command');
  const env = ctx.podExec.environment(pod, container);
  if (env === undefined)
    throw new ApiError('AUTOMESH_ERR_API_BAD_REQUEST', `pod ${route.name} is not running yet (no pod IP)`);
  const wantsStdin = queryFlag(url.searchParams, 'stdin');

  const ws = acceptWebSocket(req, socket, protocol);
  const [file = '', ...args] = command;
  const child = spawn(file, args, { env, stdio: [wantsStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  const unregister = registry.add(() => child.kill('SIGKILL'));
  const send = (channel: number, data: Buffer): void =>
    ws.send(Buffer.concat([Buffer.from([channel]), data]));
  child.stdout?.on('data', (d: Buffer) => send(CHANNEL.stdout, d));
  child.stderr?.on('data', (d: Buffer) => send(CHANNEL.stderr, d));
  ws.onMessage((message) => {
    const channel = message[0];
    if (channel === CHANNEL.stdin) child.stdin?.write(message.subarray(1));
    else if (channel === CHANNEL.close && message[1] === CHANNEL.stdin) child.stdin?.end();
  });
  let finished = false;
  const finish = (code: number, message?: string): void => {
    if (finished) return;
    finished = true;
    unregister();
    send(CHANNEL.error, exitStatus(code, message));
    ws.close();
  };
  ws.onClose(() => {
    if (!finished) child.kill('SIGKILL');
  });
  child.on('error', (err: NodeJS.ErrnoException) => {
    const reason = err.code === 'ENOENT' ? 'executable file not found in $PATH' : err.message;
    finish(EXIT_NOT_FOUND, `exec: "${file}": ${reason}`);
  });
  // 'close' comes after stdout and stderr have ended, so every byte is sent before the Status.
  child.on('close', (code, signal) => finish(code ?? (signal === null ? 1 : 128 + 9)));
}
