// Dispatches argv to a command. Each command module is imported only when it runs, so that
// `automesh --help` and the sidecar start fast. A command module exports
// `run(args: string[]): Promise<number>` (the exit code) and a one-line `summary`.

interface CommandModule {
  run(args: string[]): Promise<number>;
}

type Loader = () => Promise<CommandModule>;

/** Command name → loader, with its one-line help. Add a command with one line here. */
const COMMANDS: Record<string, { summary: string; load: Loader }> = {
  demo: {
    summary: 'Run the automatic mutual TLS walkthrough on a throw-away mesh and check every outcome',
    load: () => import('./commands/demo.js'),
  },
  up: {
    summary: 'Start the control plane and the local runtime (-d: in the background)',
    load: () => import('./commands/up.js'),
  },
  'control-plane': {
    summary: 'Run one more control-plane replica on the etcd store of a mesh (API server, CA, discovery)',
    load: () => import('./commands/control-plane.js'),
  },
  node: {
    summary: 'Join another host to the mesh (node token create, node join)',
    load: () => import('./commands/node.js'),
  },
  down: { summary: 'Stop the mesh started by automesh up -d', load: () => import('./commands/down.js') },
  install: {
    summary: 'Install or reconfigure the mesh: install --set KEY=VALUE',
    load: () => import('./commands/install.js'),
  },
  manifest: {
    summary: 'manifest apply|generate --set KEY=VALUE (istioctl spelling of install)',
    load: () => import('./commands/install.js').then((m) => ({ run: m.runManifest })),
  },
  create: {
    summary: 'Create a namespace or objects from a file (kubectl create)',
    load: () => import('./commands/create.js'),
  },
  apply: {
    summary: 'Apply manifests from files or stdin as one batch (kubectl apply)',
    load: () => import('./commands/apply.js'),
  },
  get: { summary: 'List or show objects (kubectl get)', load: () => import('./commands/get.js') },
  delete: {
    summary: 'Delete objects by file, kind and name, or selector (kubectl delete)',
    load: () => import('./commands/delete.js'),
  },
  wait: {
    summary: 'Wait for a condition on objects (kubectl wait)',
    load: () => import('./commands/wait.js'),
  },
  exec: {
    summary: "Run a command in a pod's container, through its sidecar (kubectl exec)",
    load: () => import('./commands/exec.js'),
  },
  logs: { summary: "Print a container's logs (kubectl logs)", load: () => import('./commands/logs.js') },
  'kube-inject': {
    summary: 'Print a manifest with the sidecar injected (istioctl kube-inject)',
    load: () => import('./commands/kube-inject.js'),
  },
  'proxy-config': {
    summary: "Show a sidecar's certificate: proxy-config secret POD -n NS [-o pem]",
    load: () => import('./commands/proxy-config.js'),
  },
  proxy: {
    summary: 'Run a sidecar proxy (--bootstrap FILE: standalone)',
    load: () => import('./commands/proxy.js'),
  },
  'proxy-status': {
    summary:
      'Show whether each sidecar has the latest config and a valid certificate (istioctl proxy-status)',
    load: () => import('./commands/proxy-status.js'),
  },
  config: {
    summary: 'Show the API server address and credential the CLI uses (config view)',
    load: () => import('./commands/config.js'),
  },
  x: {
    summary:
      'Experimental: x explain (TLS per endpoint, offline), x strict-readiness (who would STRICT break)',
    load: () => import('./commands/x.js'),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length), 8);
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'automesh: a service mesh with automatic mutual TLS',
    '',
    'Usage: automesh <command> [flags]',
    '',
    'Commands:',
    ...lines,
    '',
    "Run 'automesh <command> --help' for a command's flags.",
    '',
  ].join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(usage());
    return command === undefined ? 1 : 0;
  }
  const entry = COMMANDS[command];
  if (entry === undefined) {
    process.stderr.write(
      `error: unknown command "${command}" for "automesh"\nRun 'automesh --help' for usage.\n`,
    );
    return 1;
  }
  const module = await entry.load();
  return module.run(rest);
}
