// `automesh x explain`: reads a mesh described in YAML and prints, for every endpoint of the
// destination, the server's mode, the TLS the client sidecar will use and why. Offline: it talks
// to no control plane, so people can see what a policy change would do before applying it.
// A subcommand of `x` (experimental commands, see x.ts).
import { readFileSync } from 'node:fs';
import { decodeManifests, formatProblem, kindInfo } from '../../api/index.js';
import type { MeshSettings, Resource } from '../../api/index.js';
import {
  explainRoute,
  meshDefaults,
  meshStateFromResources,
  parseMeshValues,
  serviceForHost,
  spiffeIdFor,
  workloadsNamed,
} from '../../policy/index.js';
import type { RouteExplanation } from '../../policy/index.js';
import { FlagError, flagBool, flagString, flagStrings, formatFlagHelp, parseFlags } from '../flags.js';
import type { FlagSpec } from '../flags.js';

const EXPLAIN_FLAGS: FlagSpec[] = [
  {
    name: 'filename',
    short: 'f',
    type: 'strings',
    usage: 'YAML file describing the mesh (repeatable; - for stdin)',
  },
  { name: 'from', type: 'string', usage: 'the client: WORKLOAD.NAMESPACE (a Deployment or pod name)' },
  {
    name: 'to',
    type: 'string',
    usage: 'the destination: HOST:PORT (service name, name.ns, or FQDN; service port)',
  },
  {
    name: 'set',
    type: 'strings',
    usage: 'mesh value, as install takes it, e.g. values.global.mtls.auto=false',
  },
  {
    name: 'namespace',
    short: 'n',
    type: 'string',
    usage: 'namespace for objects written without one (default "default")',
  },
  { name: 'output', short: 'o', type: 'string', usage: 'output format: json (default: text)' },
  { name: 'help', short: 'h', type: 'bool', usage: 'help for explain' },
];

const EXPLAIN_USAGE =
  'automesh x explain -f FILE [-f FILE...] --from WORKLOAD.NAMESPACE --to HOST:PORT [--set KEY=VALUE...] [-o json]';

/** An input problem, printed as `error: <message>`. */
class ExplainError extends Error {
  readonly code = 'AUTOMESH_ERR_CLI_EXPLAIN';
}

/** `automesh x explain ARGS`. */
export function explain(args: string[]): number {
  try {
    const flags = parseFlags(args, EXPLAIN_FLAGS);
    if (flagBool(flags, 'help')) {
      process.stdout.write(
        formatFlagHelp(EXPLAIN_USAGE, 'Explain the TLS between a workload and a service.', EXPLAIN_FLAGS),
      );
      return 0;
    }
    if (flags.positionals.length > 0) throw new ExplainError(`unexpected argument "${flags.positionals[0]}"`);
    const output = flagString(flags, 'output') ?? '';
    if (output !== '' && output !== 'json')
      throw new ExplainError(`unknown output format "${output}" (use -o json, or nothing for text)`);
    const files = flagStrings(flags, 'filename');
    const from = required(flagString(flags, 'from'), '--from WORKLOAD.NAMESPACE');
    const to = required(flagString(flags, 'to'), '--to HOST:PORT');
    if (files.length === 0) throw new ExplainError('required flag -f FILE is missing');
    const parsed = parseMeshValues(flagStrings(flags, 'set'));
    if (parsed.errors.length > 0) throw new ExplainError(parsed.errors.join('\nerror: '));
    const resources = readMesh(files, flagString(flags, 'namespace') ?? 'default');
    const route = resolveRoute(resources, parsed.settings, from, to);
    process.stdout.write(output === 'json' ? toJson(from, to, route) : toText(route, parsed.settings));
    return 0;
  } catch (error) {
    if (error instanceof ExplainError || error instanceof FlagError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new ExplainError(`required flag ${flag} is missing`);
  return value;
}

/** Decodes every file; any problem in any file stops the command, listing all of them. */
function readMesh(files: string[], namespace: string): Resource[] {
  const resources: Resource[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const decoded = decodeManifests(readText(file), file);
    resources.push(...decoded.resources);
    problems.push(...decoded.problems.map(formatProblem));
  }
  if (problems.length > 0) throw new ExplainError(problems.join('\nerror: '));
  return resources.map((r) => inNamespace(r, namespace));
}

function readText(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ExplainError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : String(error)}`);
  }
}

function inNamespace(resource: Resource, namespace: string): Resource {
  // Whether a kind is cluster-scoped is the kinds registry's to say.
  if (kindInfo(resource.kind)?.namespaced !== true || resource.metadata.namespace !== undefined)
    return resource;
  return { ...resource, metadata: { ...resource.metadata, namespace } };
}

/** The mesh as install would leave it (MeshPolicy default, ...) under what the files describe. */
function withDefaults(resources: Resource[], settings: MeshSettings): Resource[] {
  const key = (r: Resource) => `${r.kind}/${r.metadata.namespace ?? ''}/${r.metadata.name}`;
  const written = new Set(resources.map(key));
  const defaults = meshDefaults(settings, settings.rootNamespace).filter((r) => !written.has(key(r)));
  return [...defaults, ...resources];
}

function resolveRoute(
  resources: Resource[],
  settings: MeshSettings,
  from: string,
  to: string,
): RouteExplanation {
  const state = meshStateFromResources(withDefaults(resources, settings), settings);
  const dot = from.lastIndexOf('.');
  if (dot <= 0 || dot === from.length - 1)
    throw new ExplainError(`--from "${from}": expected WORKLOAD.NAMESPACE, e.g. sleep.full`);
  const [name, ns] = [from.slice(0, dot), from.slice(dot + 1)];
  const client = workloadsNamed(state, name, ns)[0];
  if (client === undefined)
    throw new ExplainError(`--from "${from}": no workload "${name}" in namespace "${ns}"`);
  const colon = to.lastIndexOf(':');
  const portText = to.slice(colon + 1);
  if (colon <= 0 || !/^\d+$/.test(portText))
    throw new ExplainError(`--to "${to}": expected HOST:PORT, e.g. httpbin.full:8000`);
  const host = to.slice(0, colon);
  const service = serviceForHost(state, host, ns);
  if (service === undefined)
    throw new ExplainError(`--to "${to}": no service "${host}" seen from namespace "${ns}"`);
  const servicePort = service.spec.ports.find((p) => p.port === Number(portText));
  if (servicePort === undefined) {
    const ports = service.spec.ports.map((p) => p.port).join(', ');
    throw new ExplainError(
      `--to "${to}": service ${service.metadata.namespace}/${service.metadata.name} has no port ${portText} (ports: ${ports})`,
    );
  }
  return explainRoute(state, client, service, servicePort);
}

function toJson(from: string, to: string, route: RouteExplanation): string {
  const body = { from, to, destinationRule: route.destinationRule, endpoints: route.endpoints };
  return `${JSON.stringify(body, null, 2)}\n`;
}

function toText(route: RouteExplanation, settings: MeshSettings): string {
  const { client, service, servicePort } = route;
  const id = spiffeIdFor(settings.trustDomain, client.namespace, client.serviceAccount);
  const target =
    servicePort.targetPort === undefined ? '' : ` → target port ${String(servicePort.targetPort)}`;
  const lines = [
    `from:      ${client.name}.${client.namespace} (${client.runsSidecar ? `sidecar, ${id}` : 'no sidecar'})`,
    `to:        ${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local:${servicePort.port}${servicePort.name === undefined ? '' : ` (${servicePort.name})`}${target}`,
    `auto mTLS: ${settings.autoMtls ? 'on' : 'off'}`,
    `rule:      ${ruleLine(route)}`,
  ];
  if (route.endpoints.length === 0)
    lines.push('', 'no ready endpoints: the client sidecar answers 503 "no healthy upstream"');
  for (const e of route.endpoints) {
    lines.push(
      '',
      `endpoint ${e.workload}.${e.namespace} ${e.address}:${e.port}`,
      `  sidecar:      ${e.sidecar ? 'yes' : 'no'}`,
      `  server mode:  ${e.sidecar ? e.serverModeReason : `DISABLE, ${e.serverModeReason}`}`,
      `  client TLS:   ${e.tls}`,
      `  because:      ${e.reason}`,
    );
    if (e.sni !== '') lines.push(`  sni:          ${e.sni}`);
    if (e.sans.length > 0) lines.push(`  server SANs:  ${e.sans.join(', ')}`);
    lines.push(`  expect:       ${e.outcome}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Which DestinationRule(s) the client's sidecar uses, and where the lookup found them. */
function ruleLine(route: RouteExplanation): string {
  const chosen = route.destinationRule;
  if (!route.client.runsSidecar) return 'none: the client has no sidecar to apply one';
  if (chosen === null)
    return `none: no DestinationRule for this host is visible from namespace ${route.client.namespace}`;
  const where = `host ${chosen.host}, found in ${chosen.foundIn}`;
  if (chosen.rules.length === 1) return `DestinationRule ${chosen.rules[0] ?? ''} (${where})`;
  const policy =
    chosen.trafficPolicyFrom === ''
      ? 'none has a trafficPolicy'
      : `trafficPolicy from ${chosen.trafficPolicyFrom}`;
  return `DestinationRules ${chosen.rules.join(' + ')}, merged (${where}; ${policy})`;
}
