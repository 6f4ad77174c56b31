// The seed walkthrough ("Automatic mutual TLS"), command for command, with `kubectl` and `istioctl`
// replaced by `automesh` and `@samples/...@` by the repository's `samples/...`. Each step says what
// the page expects so the demo (and the end-to-end test) can check it.

/**
 * A step's command with the page's kubectl given back to kubectl (`automesh demo --kubectl`):
 * every `automesh` that stands for kubectl becomes `kubectl`; the two that stand for istioctl
 * (`manifest apply`, `kube-inject`) stay automesh.
 */
export function withRealKubectl(command: string): string {
  return command.replace(/\bautomesh (?!manifest |kube-inject )/g, 'kubectl ');
}

/** The probe loop the page runs in every phase, verbatim after substitution. */
const REACHABILITY_LOOP = `for from in "full" "legacy"; do for to in "full" "partial" "legacy"; do echo "sleep.\${from} to httpbin.\${to}";automesh exec $(automesh get pod -l app=sleep -n \${from} -o jsonpath={.items..metadata.name}) -c sleep -n \${from} -- curl http://httpbin.\${to}:8000/headers  -s  -w "response code: %{http_code}\\n" | egrep -o 'URI\\=spiffe.*sa/[a-z]*|response.*$';  echo -n "\\n"; done; done`;

const PARTIAL_LOOP = `for i in \`seq 1 10\`; do automesh exec $(automesh get pod -l app=sleep -n full -o jsonpath={.items..metadata.name}) -c sleep -nfull  -- curl http://httpbin.partial:8000/headers  -s  -w "response code: %{http_code}\\n" | egrep -o 'URI\\=spiffe.*sa/[a-z]*|response.*$';  echo -n "\\n"; done`;

/** What one probe (one "sleep.X to httpbin.Y" block) must show. */
export interface ProbeExpectation {
  from: 'full' | 'legacy';
  to: 'full' | 'partial' | 'legacy';
  /** The HTTP code curl prints (`000` when the connection was reset). */
  code: string;
  /** Whether `URI=spiffe://cluster.local/ns/full/sa/sleep` shows: true, false, or 'either' (partial). */
  uri: boolean | 'either';
  /** curl's exit code surfaced by exec as `command terminated with exit code N`. */
  exitCode?: number;
}

export type Check =
  | { kind: 'exit-zero' }
  | { kind: 'output-matches'; patterns: RegExp[] }
  | { kind: 'pods'; rows: { prefix: string; ready: string }[] }
  | { kind: 'probes'; probes: ProbeExpectation[] }
  | { kind: 'partial-loop'; count: number };

export interface Step {
  /** The page section the step belongs to. */
  section: string;
  /** The shell command as the page shows it (after substitution). */
  command: string;
  /** Why a step that the page does not show is there. */
  note?: string;
  /**
   * The step changes mesh config: before the next step the demo waits until every sidecar has
   * acked it (the page's reader would pause to read; a script must not race the push).
   */
  settles?: true;
  check: Check;
}

const STRICT_POLICY = `cat <<EOF | automesh apply -n full -f -
apiVersion: "authentication.istio.io/v1alpha1"
kind: "Policy"
metadata:
  name: "httpbin"
spec:
  targets:
  - name: httpbin
  peers:
  - mtls: {}
EOF`;

const PLAINTEXT_POLICY = `cat <<EOF | automesh apply -n full -f -
apiVersion: "authentication.istio.io/v1alpha1"
kind: "Policy"
metadata:
  name: "httpbin"
spec:
  targets:
  - name: httpbin
EOF`;

const DESTINATION_RULE = `cat <<EOF | automesh apply -n full -f -
apiVersion: "networking.istio.io/v1alpha3"
kind: "DestinationRule"
metadata:
  name: "httpbin-full-mtls"
spec:
  host: httpbin.full.svc.cluster.local
  trafficPolicy:
    tls:
      mode: ISTIO_MUTUAL
EOF`;

const NOSIDECAR_DEPLOYMENT = `cat <<EOF | automesh apply -n partial -f -
apiVersion: extensions/v1beta1
kind: Deployment
metadata:
  name: httpbin-nosidecar
spec:
  replicas: 1
  template:
    metadata:
      labels:
        app: httpbin
        version: nosidecar
    spec:
      containers:
      - image: docker.io/kennethreitz/httpbin
        imagePullPolicy: IfNotPresent
        name: httpbin
        ports:
        - containerPort: 80
EOF`;

type Pair = `${ProbeExpectation['from']}->${ProbeExpectation['to']}`;
type Outcome = Omit<ProbeExpectation, 'from' | 'to'>;

const PAIRS: Pair[] = [
  'full->full',
  'full->partial',
  'full->legacy',
  'legacy->full',
  'legacy->partial',
  'legacy->legacy',
];

/**
 * The probe loop with what the page shows for one phase: 200 with no client identity, except
 * `sleep.full` to `httpbin.partial` (either, depending on the endpoint) and the pairs listed.
 */
function reachability(section: string, differences: Partial<Record<Pair, Outcome>>): Step {
  const probes = PAIRS.map((pair): ProbeExpectation => {
    const [from, to] = pair.split('->') as [ProbeExpectation['from'], ProbeExpectation['to']];
    const usual: Outcome = { code: '200', uri: pair === 'full->partial' ? 'either' : false };
    return { from, to, ...(differences[pair] ?? usual) };
  });
  return { section, command: REACHABILITY_LOOP, check: { kind: 'probes', probes } };
}

const OVER_MTLS: Outcome = { code: '200', uri: true };

const ok = { kind: 'exit-zero' } as const;

export const SCENARIO: Step[] = [
  {
    section: 'Before you begin',
    command: `automesh manifest apply --set profile=demo \\
  --set values.global.mtls.auto=true \\
  --set values.global.mtls.enabled=false`,
    check: ok,
  },
  { section: 'Setup', command: 'automesh create ns full', check: ok },
  {
    section: 'Setup',
    command: 'automesh apply -f <(automesh kube-inject -f samples/httpbin/httpbin.yaml) -n full',
    check: ok,
  },
  {
    section: 'Setup',
    command: 'automesh apply -f <(automesh kube-inject -f samples/sleep/sleep.yaml) -n full',
    check: ok,
  },
  { section: 'Setup', command: 'automesh create ns partial', check: ok },
  {
    section: 'Setup',
    command: 'automesh apply -f <(automesh kube-inject -f samples/httpbin/httpbin.yaml) -n partial',
    check: ok,
  },
  { section: 'Setup', command: NOSIDECAR_DEPLOYMENT, check: ok },
  { section: 'Setup', command: 'automesh create ns legacy', check: ok },
  { section: 'Setup', command: 'automesh apply -f samples/httpbin/httpbin.yaml -n legacy', check: ok },
  { section: 'Setup', command: 'automesh apply -f samples/sleep/sleep.yaml -n legacy', check: ok },
  {
    section: 'Setup',
    command: 'automesh apply -f <(automesh kube-inject -f samples/sleep/sleep.yaml) -n full',
    check: ok,
  },
  { section: 'Setup', command: 'automesh apply -f samples/sleep/sleep.yaml -n legacy', check: ok },
  {
    section: 'Setup',
    command:
      'automesh wait --for=condition=Ready pods --all -n full && automesh wait --for=condition=Ready pods --all -n partial && automesh wait --for=condition=Ready pods --all -n legacy',
    note: 'not on the page: on a cluster, you would wait for the pods the same way before checking them',
    check: ok,
  },
  {
    section: 'Setup',
    command: 'automesh get pods -n full\nautomesh get pods -n partial\nautomesh get pods -n legacy',
    check: {
      kind: 'pods',
      rows: [
        { prefix: 'httpbin-', ready: '2/2' },
        { prefix: 'sleep-', ready: '2/2' },
        { prefix: 'httpbin-', ready: '1/1' },
        { prefix: 'httpbin-', ready: '2/2' },
        { prefix: 'httpbin-', ready: '1/1' },
        { prefix: 'sleep-', ready: '1/1' },
      ],
    },
  },
  {
    section: 'Setup',
    command:
      "automesh get policies.authentication.istio.io --all-namespaces\nautomesh get meshpolicies -o yaml | grep ' mode'",
    note: "the page's Istio also listed a Policy of its Grafana add-on; automesh installs no add-ons, so the list is empty",
    check: { kind: 'output-matches', patterns: [/^ {8}mode: PERMISSIVE$/m] },
  },
  {
    section: 'Setup',
    command:
      'automesh get destinationrules.networking.istio.io --all-namespaces -o yaml | grep "host:" || true',
    note: 'the page lists DestinationRules of Istio add-ons; automesh installs none, so nothing matches the example services',
    check: { kind: 'output-matches', patterns: [/^(?![\s\S]*httpbin)/] },
  },
  {
    section: 'Setup',
    command: `automesh exec $(automesh get pod -l app=sleep -n full -o jsonpath={.items..metadata.name}) -c sleep -n full -- curl http://httpbin.full:8000/headers  -s  -w "response %{http_code}\\n" | egrep -o 'URI\\=spiffe.*sa/[a-z]*|response.*$'`,
    check: {
      kind: 'output-matches',
      patterns: [/^URI=spiffe:\/\/cluster\.local\/ns\/full\/sa\/sleep$/m, /^response 200$/m],
    },
  },
  reachability('Start from PERMISSIVE mode', { 'full->full': OVER_MTLS }),
  {
    section: 'Working with Sidecar Migration',
    command: PARTIAL_LOOP,
    check: { kind: 'partial-loop', count: 10 },
  },
  { section: 'Lock down mutual TLS to STRICT', command: STRICT_POLICY, check: ok, settles: true },
  reachability('Lock down mutual TLS to STRICT', {
    'full->full': OVER_MTLS,
    'legacy->full': { code: '000', uri: false, exitCode: 56 },
  }),
  { section: 'Disable mutual TLS to plain text', command: PLAINTEXT_POLICY, check: ok, settles: true },
  reachability('Disable mutual TLS to plain text', {}),
  { section: 'Destination rule overrides', command: DESTINATION_RULE, check: ok, settles: true },
  reachability('Destination rule overrides', { 'full->full': { code: '503', uri: false } }),
  { section: 'Cleanup', command: 'automesh delete ns full partial legacy', check: ok },
];
