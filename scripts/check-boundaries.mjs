// Import-boundary check: fails the build, with a reason, when a module imports against the
// dependency direction written in ARCHITECTURE.md, or reaches past another module's index.ts.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve, sep } from 'node:path';

const SRC = resolve('src');

/** module → the modules it may import (through their index.ts only). Keep in step with ARCHITECTURE.md. */
const ALLOWED = {
  log: [],
  wire: [],
  api: [],
  identity: ['api', 'log'],
  policy: ['api', 'identity'],
  store: ['api', 'log'],
  controlplane: ['api', 'identity', 'policy', 'store', 'log', 'wire'],
  proxy: ['api', 'identity', 'log', 'wire'],
  runtime: ['api', 'identity', 'proxy', 'controlplane', 'log'],
  cli: ['api', 'identity', 'policy', 'store', 'controlplane', 'proxy', 'runtime', 'log', 'wire'],
};

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else if (path.endsWith('.ts')) yield path;
  }
}

/**
 * Light public entries besides index.ts: what commands run on every request (`get`, `exec`)
 * import, so that the CLI starts without loading gRPC and X.509 code it does not use.
 */
const LIGHT_ENTRIES = new Set([
  'api/kinds.js',
  'api/log-tail.js',
  // kubectl's columns and AGE, which `get` prints with (the API server's Tables use them too).
  'api/table-columns.js',
  'api/age.js',
  'controlplane/client/index.js',
  'runtime/container-env.js',
  // Sidecar injection's names and the injection itself: `exec` resolves the sidecar container.
  'api/inject-sidecar.js',
  // What "has a sidecar" means (the runtime's container environment asks without the api index).
  'api/sidecar-presence.js',
  // Where an object without metadata.namespace lives (the CLI's client and the runtime ask).
  'api/object-namespace.js',
  'runtime/pod-directory.js',
  // The privileged-port mapping, which the sidecar applies without loading the runtime.
  'runtime/host-port.js',
  // The sidecar's identity (key, CSR, peer checks) without the CA's X.509 library.
  'identity/workload-credentials.js',
  // The kinds the registry reads and the mesh values it takes from the ConfigMap: what apply's
  // and delete's traffic check (cli/write-check.ts) needs, without the control plane's servers.
  'controlplane/registry/build-mesh-state.js',
  'controlplane/registry/mesh-values.js',
  // The sidecar records the runtime writes: which admin ports the CLI asks for observed traffic.
  'runtime/sidecar-record.js',
]);

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const problems = [];
for (const file of walk(SRC)) {
  const from = relative(SRC, file).split(sep)[0];
  if (!(from in ALLOWED)) {
    problems.push(`${relative('.', file)}: folder src/${from} is not a module listed in ARCHITECTURE.md`);
    continue;
  }
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2];
    if (!spec || !spec.startsWith('.')) continue;
    const target = resolve(dirname(file), spec);
    const rel = relative(SRC, target);
    if (rel.startsWith('..')) {
      problems.push(`${relative('.', file)}: imports ${spec}, outside src/`);
      continue;
    }
    const [to, ...rest] = rel.split(sep);
    if (to === from) continue;
    if (!ALLOWED[from].includes(to)) {
      problems.push(
        `${relative('.', file)}: module '${from}' may not import '${to}' (${spec}); ` +
          `'${from}' may import only: ${ALLOWED[from].join(', ') || 'nothing'}`,
      );
    } else if (rest.join('/') !== 'index.js' && !LIGHT_ENTRIES.has([to, ...rest].join('/'))) {
      problems.push(
        `${relative('.', file)}: import '${spec}' reaches inside '${to}'; import from its index.js`,
      );
    }
  }
}
if (problems.length > 0) {
  console.error(`import boundaries: ${problems.length} problem(s)`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log('import boundaries: ok');
