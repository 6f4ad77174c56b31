// The real kubectl (1.32) against a real `automesh up`, with nothing but the kubeconfig that `up`
// writes: each kubectl command people use on a cluster, as they type it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { defaultNodeName } from '../../src/cli/up/up-config.js';
import { parse, stringify } from 'yaml';
import { KINDS } from '../../src/api/index.js';
import { ADDRESS_BLOCKS } from '../support/address-blocks.js';
import { startKubectlMesh, type KubectlMesh } from '../support/kubectl.js';
import { waitFor } from '../support/wait-for.js';

/** Pod IPs 127.248.x.y, apps on 127.249.x.y: apart from every other test's block. */
const ADDRESS_BLOCK = ADDRESS_BLOCKS.kubectl;
const NS = 'kube';
const STRICT = `apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata:
  name: default
  namespace: ${NS}
spec:
  mtls:
    mode: STRICT
`;

/** The rows of kubectl's table output, each split on runs of spaces. */
function rows(stdout: string): string[][] {
  return stdout
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.trim().split(/\s{2,}/));
}

interface Kubeconfig {
  clusters: { cluster: Record<string, string> }[];
  users: { user: { token: string } }[];
}

/** The node `automesh up` registers: named after the host. */
const hostnameNode = (): string => defaultNodeName(hostname());

describe('the real kubectl against automesh up', { timeout: 240_000 }, () => {
  let mesh: KubectlMesh;
  before(async () => {
    mesh = await startKubectlMesh(ADDRESS_BLOCK);
    const setup = [
      await mesh.automesh(['create', 'ns', NS]),
      await mesh.automesh(['apply', '-f', 'samples/httpbin/httpbin.yaml', '-n', NS]),
      await mesh.automesh(['apply', '-f', 'samples/sleep/sleep.yaml', '-n', NS]),
      await mesh.automesh(['apply', '-f', '-'], { input: STRICT }),
      await mesh.automesh(['wait', '--for=condition=Ready', 'pods', '--all', '-n', NS, '--timeout=60s']),
    ];
    for (const step of setup) assert.equal(step.code, 0, step.stderr);
  });
  after(async () => {
    await mesh?.stop();
  });

  describe('the kubeconfig automesh up writes', () => {
    it('is private, names an https server and the CA that signs its certificate', () => {
      assert.equal(statSync(mesh.kubeconfig).mode & 0o777, 0o600);
      const config = parse(readFileSync(mesh.kubeconfig, 'utf8')) as Kubeconfig;
      const cluster = config.clusters[0]?.cluster ?? {};
      assert.match(cluster['server'] ?? '', /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.match(
        Buffer.from(cluster['certificate-authority-data'] ?? '', 'base64').toString(),
        /^-----BEGIN CERTIFICATE-----/,
      );
    });

    it('is used by kubectl as is: the server verified, the admin token sent', async () => {
      const result = await mesh.kubectl(['get', '--raw', '/api/v1/namespaces']);
      assert.equal(result.code, 0, result.stderr);
      const names = (JSON.parse(result.stdout) as { items: { metadata: { name: string } }[] }).items.map(
        (n) => n.metadata.name,
      );
      assert.deepEqual(names.sort(), ['default', 'istio-system', NS]);
    });

    it('does not let kubectl in without the CA or with another token', async () => {
      const config = parse(readFileSync(mesh.kubeconfig, 'utf8')) as Kubeconfig;
      const noCa = structuredClone(config);
      delete noCa.clusters[0]?.cluster['certificate-authority-data'];
      const noCaFile = join(mesh.home, 'no-ca.kubeconfig');
      writeFileSync(noCaFile, stringify(noCa), { mode: 0o600 });
      const untrusted = await mesh.kubectl(['get', '--raw', '/api/v1/namespaces'], {
        env: { KUBECONFIG: noCaFile },
      });
      assert.notEqual(untrusted.code, 0);
      assert.match(untrusted.stderr, /x509: certificate signed by unknown authority/);

      const stranger = structuredClone(config);
      stranger.users[0]!.user.token = 'not-the-admin-token-0123456789';
      const strangerFile = join(mesh.home, 'stranger.kubeconfig');
      writeFileSync(strangerFile, stringify(stranger), { mode: 0o600 });
      const refused = await mesh.kubectl(['get', '--raw', '/api/v1/namespaces'], {
        env: { KUBECONFIG: strangerFile },
      });
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /Unauthorized/);
    });
  });

  describe('discovery', () => {
    it('lists every kind automesh serves in kubectl api-resources, from the kinds registry', async () => {
      const result = await mesh.kubectl(['api-resources']);
      assert.equal(result.code, 0, result.stderr);
      const table = rows(result.stdout);
      assert.deepEqual(table[0], ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
      const lines = new Set(table.slice(1).map((r) => r.join(' ')));
      for (const kind of KINDS) {
        for (const apiVersion of kind.apiVersions.slice(0, 1)) {
          const short = kind.shortNames.length === 0 ? [] : [kind.shortNames.join(',')];
          const line = [kind.plural, ...short, apiVersion, String(kind.namespaced), kind.kind].join(' ');
          assert.ok(lines.has(line), `api-resources lists ${line}:\n${result.stdout}`);
        }
      }
      assert.ok(lines.has('deployments extensions/v1beta1 true Deployment'), result.stdout);
    });

    it('answers kubectl version with the Kubernetes API level', async () => {
      const result = await mesh.kubectl(['version']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^Server Version: v1\.32\.0-automesh$/m);
      assert.equal(result.stderr, '', 'no version skew warning');
    });

    it('explains kinds and fields with kubectl explain, from the schemas writes are validated against', async () => {
      const mode = await mesh.kubectl(['explain', 'peerauthentication.spec.mtls']);
      assert.equal(mode.code, 0, mode.stderr);
      assert.match(mode.stdout, /^GROUP: +security\.istio\.io$/m);
      assert.match(mode.stdout, /^FIELD: mtls <Object>$/m);
      assert.match(mode.stdout, /mode\t<string>\n {2}enum: UNSET, DISABLE, PERMISSIVE, STRICT\n/);
      assert.match(mode.stdout, /STRICT: mutual TLS only/);
      const ports = await mesh.kubectl(['explain', 'deployment.spec.template.spec.containers.ports']);
      assert.equal(ports.code, 0, ports.stderr);
      assert.match(ports.stdout, /containerPort\t<integer> -required-/);
      const tls = await mesh.kubectl(['explain', 'destinationrule.spec.trafficPolicy.tls.mode']);
      assert.match(tls.stdout, /ENUM:\n {4}DISABLE\n {4}SIMPLE\n {4}MUTUAL\n {4}ISTIO_MUTUAL/);
      const unknown = await mesh.kubectl(['explain', 'peerauthentication.spec.mtlss']);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /field "mtlss" does not exist/);
    });

    it('gets pods across namespaces, Istio kinds by name, and several kinds at once', async () => {
      const pods = await mesh.kubectl(['get', 'pods', '-A']);
      assert.equal(pods.code, 0, pods.stderr);
      const podRows = rows(pods.stdout);
      assert.deepEqual(podRows[0]?.slice(0, 2), ['NAMESPACE', 'NAME']);
      assert.deepEqual(
        podRows.slice(1).map((r) => [r[0], r[1]?.replace(/-[a-z0-9]+-[a-z0-9]+$/, '')]),
        [
          [NS, 'httpbin'],
          [NS, 'sleep'],
        ],
      );

      const pa = await mesh.kubectl(['get', 'peerauthentication', '-A']);
      assert.equal(pa.code, 0, pa.stderr);
      assert.deepEqual(
        rows(pa.stdout).map((r) => r.slice(0, 2)),
        [
          ['NAMESPACE', 'NAME'],
          [NS, 'default'],
        ],
      );

      const both = await mesh.kubectl(['get', 'deploy,svc', '-n', NS]);
      assert.equal(both.code, 0, both.stderr);
      assert.equal(both.stderr, '', 'no warning (deploy names one resource)');
      const names = rows(both.stdout).map((r) => r[0]);
      for (const name of [
        'deployment.apps/httpbin',
        'deployment.apps/sleep',
        'service/httpbin',
        'service/sleep',
      ])
        assert.ok(names.includes(name), `${name} in:\n${both.stdout}`);
    });

    it('says NotFound for a kind automesh does not serve', async () => {
      const result = await mesh.kubectl(['get', 'widgets']);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /the server doesn't have a resource type "widgets"/);
    });
  });

  describe('reads', () => {
    const podNames = async (): Promise<string[]> => {
      const result = await mesh.kubectl([
        'get',
        'pods',
        '-n',
        NS,
        '-o',
        'jsonpath={.items[*].metadata.name}',
      ]);
      assert.equal(result.code, 0, result.stderr);
      return result.stdout.split(' ').sort();
    };

    it('prints pods with the columns kubectl users expect, -o wide adding IP and NODE', async () => {
      const plain = await mesh.kubectl(['get', 'pods', '-n', NS]);
      assert.equal(plain.code, 0, plain.stderr);
      const table = rows(plain.stdout);
      assert.deepEqual(table[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
      assert.equal(table.length, 3, plain.stdout);
      for (const row of table.slice(1)) {
        assert.match(row[1] ?? '', /^(\d)\/\1$/, `all containers ready: ${row.join(' ')}`);
        assert.equal(row[2], 'Running');
        assert.match(row[4] ?? '', /^\d+[smh]$/);
      }
      const wide = await mesh.kubectl(['get', 'pods', '-n', NS, '-o', 'wide']);
      assert.equal(wide.code, 0, wide.stderr);
      const wideTable = rows(wide.stdout);
      assert.deepEqual(wideTable[0]?.slice(0, 7), [
        'NAME',
        'READY',
        'STATUS',
        'RESTARTS',
        'AGE',
        'IP',
        'NODE',
      ]);
      const nodeName = hostnameNode();
      for (const row of wideTable.slice(1)) {
        assert.match(row[5] ?? '', new RegExp(`^127\\.${ADDRESS_BLOCK}\\.`));
        assert.equal(row[6], nodeName, "the pod runs on the machine's node");
      }
    });

    it('prints the node with kubectl get nodes and automesh get nodes, -o wide adding INTERNAL-IP', async () => {
      const nodeName = hostnameNode();
      for (const run of [mesh.kubectl.bind(mesh), mesh.automesh.bind(mesh)]) {
        const plain = await run(['get', 'nodes']);
        assert.equal(plain.code, 0, plain.stderr);
        const table = rows(plain.stdout);
        assert.deepEqual(table[0], ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
        assert.deepEqual(table[1]?.slice(0, 3), [nodeName, 'Ready', 'control-plane'], plain.stdout);
        assert.equal(table[1]?.[4], 'v0.1.0-automesh');
        const wide = await run(['get', 'nodes', '-o', 'wide']);
        assert.equal(wide.code, 0, wide.stderr);
        const wideTable = rows(wide.stdout);
        assert.deepEqual(wideTable[0]?.slice(5, 7), ['INTERNAL-IP', 'EXTERNAL-IP']);
        assert.deepEqual(wideTable[1]?.slice(5, 7), ['127.0.0.1', '<none>']);
      }
      const cidr = await mesh.kubectl(['get', 'node', nodeName, '-o', 'jsonpath={.spec.podCIDR}']);
      assert.equal(cidr.stdout, `127.${ADDRESS_BLOCK}.0.0/16`);
    });

    it('prints other kinds with their kubectl columns', async () => {
      const svc = await mesh.kubectl(['get', 'svc', 'httpbin', '-n', NS]);
      assert.equal(svc.code, 0, svc.stderr);
      assert.deepEqual(rows(svc.stdout)[0], ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
      assert.deepEqual(rows(svc.stdout)[1]?.slice(0, 2), ['httpbin', 'ClusterIP']);
      const deploy = await mesh.kubectl(['get', 'deploy', '-n', NS]);
      assert.deepEqual(rows(deploy.stdout)[0], ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
      const pa = await mesh.kubectl(['get', 'pa', '-n', NS]);
      assert.deepEqual(rows(pa.stdout), [
        ['NAME', 'MODE', 'AGE'],
        ['default', 'STRICT', rows(pa.stdout)[1]?.[2] ?? ''],
      ]);
      const ns = await mesh.kubectl(['get', 'ns', NS, '--show-labels']);
      assert.deepEqual(rows(ns.stdout)[0], ['NAME', 'STATUS', 'AGE', 'LABELS']);
    });

    it('pages a long list with --chunk-size into one table, each page from the last one’s continue token', async () => {
      const services = ['s1', 's2', 's3', 's4', 's5']
        .map(
          (name) =>
            `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: chunks\nspec:\n  selector:\n    app: ${name}\n  ports:\n  - port: 80\n`,
        )
        .join('---\n');
      assert.equal((await mesh.kubectl(['create', 'namespace', 'chunks'])).code, 0);
      const created = await mesh.kubectl(['apply', '-f', '-'], { input: services });
      assert.equal(created.code, 0, created.stderr);
      const paged = await mesh.kubectl(['get', 'svc', '-n', 'chunks', '--chunk-size=2', '-v=6']);
      assert.equal(paged.code, 0, paged.stderr);
      const table = rows(paged.stdout);
      assert.deepEqual(table[0]?.slice(0, 2), ['NAME', 'TYPE']);
      assert.deepEqual(
        table.slice(1).map((r) => r[0]),
        ['s1', 's2', 's3', 's4', 's5'],
      );
      const requests = paged.stderr
        .split('\n')
        .filter((l) => /GET https:.*\/namespaces\/chunks\/services\?/.test(l));
      assert.equal(requests.length, 3, paged.stderr);
      assert.ok(
        requests.slice(1).every((l) => /continue=[A-Za-z0-9_-]+/.test(l)),
        paged.stderr,
      );
      const names = await mesh.kubectl(['get', 'svc', '-n', 'chunks', '--chunk-size=2', '-o', 'name']);
      assert.equal(names.stdout.trim().split('\n').length, 5, names.stdout);
      assert.equal((await mesh.kubectl(['delete', 'namespace', 'chunks', '--wait'])).code, 0);
    });

    it('prints -o yaml, -o json and -o jsonpath as kubectl does', async () => {
      const [httpbin] = (await podNames()).filter((n) => n.startsWith('httpbin-'));
      assert.ok(httpbin);
      const yaml = await mesh.kubectl(['get', 'pod', httpbin, '-n', NS, '-o', 'yaml']);
      assert.equal(yaml.code, 0, yaml.stderr);
      const pod = parse(yaml.stdout) as { kind: string; metadata: { name: string; namespace: string } };
      assert.deepEqual([pod.kind, pod.metadata.name, pod.metadata.namespace], ['Pod', httpbin, NS]);
      const json = await mesh.kubectl(['get', 'svc', '-n', NS, '-o', 'json']);
      const list = JSON.parse(json.stdout) as { kind: string; items: { metadata: { name: string } }[] };
      assert.equal(list.kind, 'List');
      assert.deepEqual(list.items.map((i) => i.metadata.name).sort(), ['httpbin', 'sleep']);
      const mode = await mesh.kubectl(['get', 'pa', 'default', '-n', NS, '-o', 'jsonpath={.spec.mtls.mode}']);
      assert.equal(mode.stdout, 'STRICT');
    });

    it('selects by label and by the field selectors kubectl sends, and refuses other fields', async () => {
      const labelled = await mesh.kubectl(['get', 'pods', '-n', NS, '-l', 'app=sleep', '-o', 'name']);
      assert.equal(labelled.code, 0, labelled.stderr);
      assert.match(labelled.stdout, /^pod\/sleep-\S+\n$/);
      const [sleep] = (await podNames()).filter((n) => n.startsWith('sleep-'));
      const byName = await mesh.kubectl([
        'get',
        'pods',
        '-A',
        '--field-selector',
        `metadata.name=${sleep}`,
        '-o',
        'name',
      ]);
      assert.equal(byName.stdout, `pod/${sleep}\n`);
      const others = await mesh.kubectl([
        'get',
        'pods',
        '-n',
        NS,
        '--field-selector',
        `metadata.name!=${sleep}`,
        '-o',
        'name',
      ]);
      assert.match(others.stdout, /^pod\/httpbin-\S+\n$/);
      const byNamespace = await mesh.kubectl([
        'get',
        'svc',
        '-A',
        '--field-selector',
        'metadata.namespace=default',
        '-o',
        'name',
      ]);
      assert.equal(byNamespace.stdout, '');
      const refused = await mesh.kubectl(['get', 'pods', '-n', NS, '--field-selector', 'spec.nodeName=x']);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /field label not supported: spec\.nodeName/);
    });

    it('waits for a pod to be Ready with kubectl wait', async () => {
      const [sleep] = (await podNames()).filter((n) => n.startsWith('sleep-'));
      const result = await mesh.kubectl([
        'wait',
        '--for=condition=Ready',
        `pod/${sleep}`,
        '-n',
        NS,
        '--timeout=30s',
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `pod/${sleep} condition met\n`);
    });

    it('prints a container log with kubectl logs, --tail and -c, and keeps following with -f', async () => {
      const logs = await mesh.kubectl(['logs', 'deploy/httpbin', '-n', NS]);
      assert.equal(logs.code, 0, logs.stderr);
      assert.match(logs.stdout, /^httpbin: listening on 127\.\d+\.\d+\.\d+:80$/m);
      const [sleep] = (await podNames()).filter((n) => n.startsWith('sleep-'));
      const tail = await mesh.kubectl(['logs', sleep!, '-n', NS, '-c', 'sleep', '--tail=1']);
      assert.equal(tail.code, 0, tail.stderr);
      assert.ok(tail.stdout.split('\n').filter((l) => l !== '').length <= 1, tail.stdout);
      const wrong = await mesh.kubectl(['logs', sleep!, '-n', NS, '-c', 'nope']);
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /container nope is not valid for pod/);
      const followed = mesh.start(['logs', '-f', 'deploy/httpbin', '-n', NS]);
      await waitFor('the followed output', () => followed.stdout().includes('httpbin: listening'), 20_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const printed = await followed.stop();
      assert.equal(printed.code, -1, 'still following when stopped');
    });

    it('runs commands with kubectl exec over WebSocket: output, stdin, and the exit code kubectl prints', async () => {
      const [sleep] = (await podNames()).filter((n) => n.startsWith('sleep-'));
      const curl = await mesh.kubectl([
        'exec',
        sleep!,
        '-c',
        'sleep',
        '-n',
        NS,
        '--',
        'curl',
        '-s',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        `http://httpbin.${NS}:8000/get`,
      ]);
      assert.equal(curl.code, 0, curl.stderr);
      assert.equal(curl.stdout, '200', "the container's traffic reaches the service");
      const failed = await mesh.kubectl([
        'exec',
        sleep!,
        '-n',
        NS,
        '--',
        'sh',
        '-c',
        'echo out; echo err >&2; exit 56',
      ]);
      assert.equal(failed.code, 56);
      assert.equal(failed.stdout, 'out\n');
      assert.equal(failed.stderr, 'err\ncommand terminated with exit code 56\n');
      const piped = await mesh.kubectl(['exec', '-i', sleep!, '-n', NS, '--', 'wc', '-c'], {
        input: 'twelve bytes',
      });
      assert.equal(piped.stdout.trim(), '12', piped.stderr);
      const missing = await mesh.kubectl(['exec', sleep!, '-n', NS, '--', 'no-such-command']);
      assert.equal(missing.code, 127);
    });

    it('follows changes with kubectl get -w from the list it printed', async () => {
      const watched = (mode: string) =>
        STRICT.replace('name: default', 'name: watched').replace('STRICT', mode);
      assert.equal((await mesh.automesh(['apply', '-f', '-'], { input: watched('PERMISSIVE') })).code, 0);
      const watch = mesh.start(['get', 'pa', 'watched', '-n', NS, '-w']);
      let printed: { stdout: string; stderr: string };
      try {
        await waitFor('the first row', () => watch.stdout().includes('PERMISSIVE'), 20_000);
        assert.equal((await mesh.automesh(['apply', '-f', '-'], { input: watched('STRICT') })).code, 0);
        await waitFor('the changed row', () => /watched\s+STRICT/.test(watch.stdout()), 20_000);
      } finally {
        printed = await watch.stop();
      }
      assert.deepEqual(
        rows(printed.stdout).map((r) => r.slice(0, 2)),
        [
          ['NAME', 'MODE'],
          ['watched', 'PERMISSIVE'],
          ['watched', 'STRICT'],
        ],
        printed.stdout + printed.stderr,
      );
    });
  });

  describe('writes', () => {
    const W = 'writes';
    const pa = (name: string, mode: string, extra = '') => `apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata:
  name: ${name}
  namespace: ${W}
spec:
  mtls:
    ${extra === '' ? 'mode' : extra}: ${mode}
`;
    const file = (name: string, text: string): string => {
      const path = join(mesh.home, name);
      writeFileSync(path, text);
      return path;
    };
    const mode = async (name: string): Promise<string> =>
      (await mesh.kubectl(['get', 'pa', name, '-n', W, '-o', 'jsonpath={.spec.mtls.mode}'])).stdout;

    it('creates a namespace (protobuf from kubectl) and says AlreadyExists the second time', async () => {
      const created = await mesh.kubectl(['create', 'ns', W]);
      assert.equal(created.code, 0, created.stderr);
      assert.equal(created.stdout, `namespace/${W} created\n`);
      const again = await mesh.kubectl(['create', 'ns', W]);
      assert.equal(again.code, 1);
      assert.equal(again.stderr, `Error from server (AlreadyExists): namespaces "${W}" already exists\n`);
      const cm = await mesh.kubectl([
        'create',
        'configmap',
        'literal',
        '-n',
        W,
        '--from-literal=greeting=hi',
      ]);
      assert.equal(cm.code, 0, cm.stderr);
      const data = await mesh.kubectl(['get', 'cm', 'literal', '-n', W, '-o', 'jsonpath={.data.greeting}']);
      assert.equal(data.stdout, 'hi');
    });

    it('creates from a file, validated by the server, and refuses a bad one naming the field', async () => {
      const created = await mesh.kubectl(['create', '-f', file('pa.yaml', pa('p', 'PERMISSIVE'))]);
      assert.equal(created.code, 0, created.stderr);
      assert.equal(created.stdout, 'peerauthentication.security.istio.io/p created\n');
      const bad = await mesh.kubectl(['create', '-f', file('bad.yaml', pa('bad', 'STRICT', 'mod'))]);
      assert.equal(bad.code, 1);
      assert.equal(
        bad.stderr,
        'The PeerAuthentication "bad" is invalid: spec.mtls.mod: unknown field "mod"; did you mean "mode"?\n',
      );
      const missing = await mesh.kubectl(['get', 'pa', 'bad', '-n', W]);
      assert.equal(
        missing.stderr,
        'Error from server (NotFound): peerauthentications.security.istio.io "bad" not found\n',
      );
    });

    it('labels and annotates with merge patches', async () => {
      const labelled = await mesh.kubectl(['label', 'pa', 'p', '-n', W, 'team=blue']);
      assert.equal(labelled.stdout, 'peerauthentication.security.istio.io/p labeled\n', labelled.stderr);
      const annotated = await mesh.kubectl(['annotate', 'ns', W, 'owner=mesh-team']);
      assert.equal(annotated.stdout, `namespace/${W} annotated\n`, annotated.stderr);
      const labels = await mesh.kubectl(['get', 'pa', '-n', W, '-l', 'team=blue', '-o', 'name']);
      assert.equal(labels.stdout, 'peerauthentication.security.istio.io/p\n');
      const note = await mesh.kubectl(['get', 'ns', W, '-o', 'jsonpath={.metadata.annotations.owner}']);
      assert.equal(note.stdout, 'mesh-team');
      const unlabelled = await mesh.kubectl(['label', 'pa', 'p', '-n', W, 'team-']);
      assert.equal(unlabelled.code, 0, unlabelled.stderr);
      assert.equal((await mesh.kubectl(['get', 'pa', '-n', W, '-l', 'team', '-o', 'name'])).stdout, '');
    });

    it('patches with --type merge and --type json, and refuses a patch that makes the object invalid', async () => {
      const merged = await mesh.kubectl([
        'patch',
        'pa',
        'p',
        '-n',
        W,
        '--type',
        'merge',
        '-p',
        '{"spec":{"mtls":{"mode":"STRICT"}}}',
      ]);
      assert.equal(merged.stdout, 'peerauthentication.security.istio.io/p patched\n', merged.stderr);
      assert.equal(await mode('p'), 'STRICT');
      const json = await mesh.kubectl([
        'patch',
        'pa',
        'p',
        '-n',
        W,
        '--type',
        'json',
        '-p',
        '[{"op":"replace","path":"/spec/mtls/mode","value":"DISABLE"}]',
      ]);
      assert.equal(json.code, 0, json.stderr);
      assert.equal(await mode('p'), 'DISABLE');
      const invalid = await mesh.kubectl([
        'patch',
        'pa',
        'p',
        '-n',
        W,
        '--type',
        'merge',
        '-p',
        '{"spec":{"mtls":{"mode":"SOMETIMES"}}}',
      ]);
      assert.equal(invalid.code, 1);
      assert.match(invalid.stderr, /^The PeerAuthentication "p" is invalid: spec\.mtls\.mode: /);
      const broken = await mesh.kubectl([
        'patch',
        'pa',
        'p',
        '-n',
        W,
        '--type',
        'json',
        '-p',
        '[{"op":"remove","path":"/spec/nope"}]',
      ]);
      assert.equal(broken.code, 1);
      assert.match(broken.stderr, /the path "\/spec\/nope" does not exist/);
      assert.equal(await mode('p'), 'DISABLE', 'nothing stored');
    });

    it('replaces, and answers Conflict to a replace from a stale version', async () => {
      const stale = await mesh.kubectl(['get', 'pa', 'p', '-n', W, '-o', 'yaml']);
      const replaced = await mesh.kubectl(['replace', '-f', file('strict.yaml', pa('p', 'STRICT'))]);
      assert.equal(replaced.stdout, 'peerauthentication.security.istio.io/p replaced\n', replaced.stderr);
      assert.equal(await mode('p'), 'STRICT');
      const conflict = await mesh.kubectl(['replace', '-f', file('stale.yaml', stale.stdout)]);
      assert.equal(conflict.code, 1);
      assert.match(conflict.stderr, /Error from server \(Conflict\): .*the object has been modified/);
      assert.equal(await mode('p'), 'STRICT');
    });

    it('applies an Istio kind: created, then configured with a merge patch', async () => {
      const created = await mesh.kubectl(['apply', '-f', file('applied.yaml', pa('applied', 'PERMISSIVE'))]);
      assert.equal(created.stdout, 'peerauthentication.security.istio.io/applied created\n', created.stderr);
      const configured = await mesh.kubectl(['apply', '-f', file('applied.yaml', pa('applied', 'STRICT'))]);
      assert.equal(
        configured.stdout,
        'peerauthentication.security.istio.io/applied configured\n',
        configured.stderr,
      );
      assert.equal(await mode('applied'), 'STRICT');
    });

    it('applies built-in kinds with strategic merge patches: unchanged, then configured list by list', async () => {
      assert.equal((await mesh.kubectl(['create', 'ns', 'applied'])).code, 0);
      const manifest = readFileSync('samples/httpbin/httpbin.yaml', 'utf8');
      const first = await mesh.kubectl(['apply', '-f', '-', '-n', 'applied'], { input: manifest });
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /^service\/httpbin created$/m);
      const same = await mesh.kubectl(['apply', '-f', '-', '-n', 'applied'], { input: manifest });
      assert.match(same.stdout, /^service\/httpbin unchanged$/m, same.stderr);
      const moved = manifest.replace('port: 8000', 'port: 8001');
      const changed = await mesh.kubectl(['apply', '-f', '-', '-n', 'applied'], { input: moved });
      assert.equal(changed.code, 0, changed.stderr);
      assert.match(changed.stdout, /^service\/httpbin configured$/m);
      assert.match(changed.stdout, /^deployment\.apps\/httpbin unchanged$/m);
      const ports = await mesh.kubectl([
        'get',
        'svc',
        'httpbin',
        '-n',
        'applied',
        '-o',
        'jsonpath={.spec.ports[*].port}',
      ]);
      assert.equal(ports.stdout, '8001', 'the old port went, the new one came, by merge key');
      const scaled = await mesh.kubectl([
        'patch',
        'deploy',
        'httpbin',
        '-n',
        'applied',
        '-p',
        '{"spec":{"replicas":0}}',
      ]);
      assert.equal(scaled.stdout, 'deployment.apps/httpbin patched\n', scaled.stderr);
      const image = await mesh.kubectl([
        'get',
        'deploy',
        'httpbin',
        '-n',
        'applied',
        '-o',
        'jsonpath={.spec.replicas} {.spec.template.spec.containers[*].name}',
      ]);
      assert.equal(image.stdout, '0 httpbin');
    });

    it('applies server-side: field managers, the conflict kubectl prints, --force-conflicts, dropped fields', async () => {
      const settings = (data: Record<string, string>): string =>
        stringify({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'settings', namespace: W },
          data,
        });
      const data = async (): Promise<string> =>
        (await mesh.kubectl(['get', 'cm', 'settings', '-n', W, '-o', 'jsonpath={.data}'])).stdout;
      const mine = file('settings.yaml', settings({ color: 'blue', size: 'large' }));
      const created = await mesh.kubectl(['apply', '--server-side', '-f', mine]);
      assert.equal(created.stdout, 'configmap/settings serverside-applied\n', created.stderr);
      const managers = await mesh.kubectl([
        'get',
        'cm',
        'settings',
        '-n',
        W,
        '--show-managed-fields',
        '-o',
        'jsonpath={.metadata.managedFields[*].manager}/{.metadata.managedFields[*].operation}',
      ]);
      assert.equal(managers.stdout, 'kubectl/Apply');

      const theirs = file('theirs.yaml', settings({ color: 'red', size: 'large' }));
      const refused = await mesh.kubectl(['apply', '--server-side', '--field-manager=team-b', '-f', theirs]);
      assert.equal(refused.code, 1);
      assert.match(
        refused.stderr,
        /^error: Apply failed with 1 conflict: conflict with "kubectl" using v1: \.data\.color\n/,
      );
      assert.equal(await data(), '{"color":"blue","size":"large"}', 'a refused apply changes nothing');
      const forced = await mesh.kubectl([
        'apply',
        '--server-side',
        '--field-manager=team-b',
        '--force-conflicts',
        '-f',
        theirs,
      ]);
      assert.equal(forced.code, 0, forced.stderr);
      assert.equal(await data(), '{"color":"red","size":"large"}');

      // kubectl leaves out size (team-b still owns it: it stays) and then applies without color
      // (now team-b's alone): neither goes; a key only kubectl applied goes when it drops it.
      const extra = file('settings.yaml', settings({ color: 'red', shape: 'round' }));
      assert.equal((await mesh.kubectl(['apply', '--server-side', '-f', extra])).code, 0);
      assert.equal(await data(), '{"color":"red","shape":"round","size":"large"}');
      const fewer = file('settings.yaml', settings({ color: 'red' }));
      assert.equal((await mesh.kubectl(['apply', '--server-side', '-f', fewer])).code, 0);
      assert.equal(await data(), '{"color":"red","size":"large"}');

      // A plain write after an apply owns what it changed: re-applying the old value conflicts.
      const patched = await mesh.kubectl([
        'patch',
        'cm',
        'settings',
        '-n',
        W,
        '--type',
        'merge',
        '-p',
        '{"data":{"color":"green"}}',
      ]);
      assert.equal(patched.code, 0, patched.stderr);
      const stale = await mesh.kubectl(['apply', '--server-side', '-f', fewer]);
      assert.match(stale.stderr, /conflict with "kubectl-patch" using v1: \.data\.color/);
    });

    it('dry-runs on the server: create, apply, patch and delete answer as they would and store nothing', async () => {
      const pa1 = file('dry.yaml', pa('dry', 'STRICT'));
      const created = await mesh.kubectl(['create', '-f', pa1, '--dry-run=server']);
      assert.equal(
        created.stdout,
        'peerauthentication.security.istio.io/dry created (server dry run)\n',
        created.stderr,
      );
      const applied = await mesh.kubectl(['apply', '--server-side', '-f', pa1, '--dry-run=server']);
      assert.equal(applied.code, 0, applied.stderr);
      const missing = await mesh.kubectl(['get', 'pa', 'dry', '-n', W]);
      assert.match(missing.stderr, /NotFound/, 'nothing was stored');

      assert.equal((await mesh.kubectl(['create', '-f', pa1])).code, 0);
      const flipped = await mesh.kubectl([
        'patch',
        'pa',
        'dry',
        '-n',
        W,
        '--type',
        'merge',
        '--dry-run=server',
        '-p',
        '{"spec":{"mtls":{"mode":"DISABLE"}}}',
      ]);
      // kubectl patch prints no dry-run suffix of its own; that nothing changed is checked below.
      assert.equal(flipped.stdout, 'peerauthentication.security.istio.io/dry patched\n', flipped.stderr);
      const bad = await mesh.kubectl([
        'patch',
        'pa',
        'dry',
        '-n',
        W,
        '--type',
        'merge',
        '--dry-run=server',
        '-p',
        '{"spec":{"mtls":{"mode":"SOMETIMES"}}}',
      ]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /spec\.mtls\.mode/, 'a dry run validates as a write does');
      const deleted = await mesh.kubectl(['delete', 'pa', 'dry', '-n', W, '--dry-run=server']);
      assert.equal(
        deleted.stdout,
        'peerauthentication.security.istio.io "dry" deleted (server dry run)\n',
        deleted.stderr,
      );
      assert.equal(await mode('dry'), 'STRICT', 'still there, unchanged');
      assert.equal((await mesh.kubectl(['delete', 'pa', 'dry', '-n', W])).code, 0);
    });

    it('injects the sidecar into workloads kubectl creates in a namespace labelled for injection', async () => {
      assert.equal((await mesh.kubectl(['label', 'ns', W, 'istio-injection=enabled'])).code, 0);
      const created = await mesh.kubectl(['create', '-f', 'samples/sleep/sleep.yaml', '-n', W], {});
      assert.equal(created.code, 0, created.stderr);
      const ready = await mesh.kubectl(
        ['wait', '--for=condition=Ready', 'pods', '--all', '-n', W, '--timeout=60s'],
        {
          timeoutMs: 70_000,
        },
      );
      assert.equal(ready.code, 0, ready.stderr);
      const containers = await mesh.kubectl([
        'get',
        'pods',
        '-n',
        W,
        '-o',
        'jsonpath={.items[*].spec.containers[*].name}',
      ]);
      assert.equal(containers.stdout, 'sleep istio-proxy');
      assert.equal(rows((await mesh.kubectl(['get', 'pods', '-n', W])).stdout)[1]?.[1], '2/2');
    });

    it('edits with EDITOR, the change sent as a patch', async () => {
      const edited = await mesh.kubectl(['edit', 'pa', 'p', '-n', W], {
        env: { EDITOR: 'sed -i s/mode:\\ STRICT/mode:\\ PERMISSIVE/', KUBE_EDITOR: '' },
      });
      assert.equal(edited.stdout, 'peerauthentication.security.istio.io/p edited\n', edited.stderr);
      assert.equal(await mode('p'), 'PERMISSIVE');
    });

    it('lists the all category and waits for a deletion', async () => {
      const all = await mesh.kubectl(['get', 'all', '-n', NS, '-o', 'name']);
      assert.equal(all.code, 0, all.stderr);
      const kinds = new Set(
        all.stdout
          .trim()
          .split('\n')
          .map((line) => line.split('/')[0]),
      );
      assert.deepEqual([...kinds].sort(), ['deployment.apps', 'pod', 'service']);
      const gone = mesh.kubectl(['wait', '--for=delete', 'pa/watched', '-n', NS, '--timeout=30s']);
      assert.equal((await mesh.automesh(['delete', 'pa', 'watched', '-n', NS])).code, 0);
      const waited = await gone;
      assert.equal(waited.code, 0, waited.stderr);
      assert.match(waited.stdout, /peerauthentication\.security\.istio\.io\/watched condition met/);
    });

    it('deletes with --wait, and says NotFound for what is not there', async () => {
      const deleted = await mesh.kubectl(['delete', 'pa', 'p', '-n', W, '--wait']);
      assert.equal(deleted.stdout, 'peerauthentication.security.istio.io "p" deleted\n', deleted.stderr);
      const again = await mesh.kubectl(['delete', 'pa', 'p', '-n', W]);
      assert.equal(again.code, 1);
      assert.equal(
        again.stderr,
        'Error from server (NotFound): peerauthentications.security.istio.io "p" not found\n',
      );
      const byFile = await mesh.kubectl(['delete', '-f', join(mesh.home, 'applied.yaml'), '--wait']);
      assert.equal(byFile.stdout, 'peerauthentication.security.istio.io "applied" deleted\n', byFile.stderr);
    });
  });
});
