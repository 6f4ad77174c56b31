// What runs for a container image. There are no images here: well-known images map to built-in
// programs (httpbin) or to their command run as a local program (the curl images); any other image
// runs its `command`/`args` as a local program, and one without a command cannot run.

import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { Container } from '../api/index.js';

export type ImageProgram =
  | { kind: 'httpbin'; port: number }
  | { kind: 'command'; command: string; args: string[] }
  | { kind: 'unsupported'; reason: 'ErrImageUnsupported'; message: string };

/** Image reference without registry-default prefix and tag: `docker.io/kennethreitz/httpbin:1` → `kennethreitz/httpbin`. */
export function imageName(image: string): string {
  let name = image.split('@')[0] ?? image;
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > lastSlash) name = name.slice(0, colon);
  for (const prefix of ['docker.io/library/', 'docker.io/', 'index.docker.io/']) {
    if (name.startsWith(prefix)) return name.slice(prefix.length);
  }
  return name;
}

/** Images whose entrypoint is curl when the container gives no command. */
const CURL_ENTRYPOINT_IMAGES = new Set(['curlimages/curl']);
/** Images that just run their command (curl and a shell are on this host). */
const COMMAND_IMAGES = new Set(['governmentpaas/curl-ssl', 'curlimages/curl', 'tutum/curl']);

/** `$(VAR)` in command and args expands from the container's environment, as in Kubernetes. */
export function expandVars(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string | undefined) =>
    whole === '$$' ? '$' : name !== undefined && env[name] !== undefined ? env[name] : whole,
  );
}

/** `/bin/sleep` on a host that keeps sleep elsewhere runs `sleep` from PATH instead. */
function localProgram(command: string): string {
  return command.startsWith('/') && !existsSync(command) ? basename(command) : command;
}

export function imageProgram(container: Container, env: Record<string, string>): ImageProgram {
  const name = imageName(container.image);
  if (name === 'httpbin' || name.endsWith('/httpbin') || name.endsWith('/go-httpbin')) {
    // go-httpbin listens on 8080; the kennethreitz image (gunicorn) on 80.
    return { kind: 'httpbin', port: name.endsWith('go-httpbin') ? 8080 : 80 };
  }
  const argv = [...(container.command ?? []), ...(container.args ?? [])].map((a) => expandVars(a, env));
  if ((container.command ?? []).length === 0 && CURL_ENTRYPOINT_IMAGES.has(name)) argv.unshift('curl');
  const [command, ...args] = argv;
  if ((container.command ?? []).length > 0 || (COMMAND_IMAGES.has(name) && command !== undefined)) {
    if (command !== undefined) return { kind: 'command', command: localProgram(command), args };
  }
  return {
    kind: 'unsupported',
    reason: 'ErrImageUnsupported',
    message: `image "${container.image}" is not built in and container "${container.name}" has no command to run locally`,
  };
}
