/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-explicit-any --
   the malformed-input tables poke at untyped objects on purpose */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeObject } from '../../src/api/decode.js';
import { formatProblem } from '../../src/api/problem.js';
import { KINDS } from '../../src/api/kinds.js';
import { validateResource } from '../../src/api/validate.js';

type Obj = Record<string, any>;

const meta = (name: string, namespace?: string): Obj => (namespace ? { name, namespace } : { name });

const container = (): Obj => ({
  name: 'app',
  image: 'docker.io/kennethreitz/httpbin',
  ports: [{ containerPort: 80 }],
});

/** One valid object per kind and version; each malformed case changes one thing in a copy. */
const BASES: Record<string, Obj> = {
  Namespace: { apiVersion: 'v1', kind: 'Namespace', metadata: meta('full') },
  ServiceAccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('sleep', 'full') },
  Service: {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('httpbin', 'full'),
    spec: { selector: { app: 'httpbin' }, ports: [{ name: 'http', port: 8000, targetPort: 80 }] },
  },
  Pod: { apiVersion: 'v1', kind: 'Pod', metadata: meta('p', 'full'), spec: { containers: [container()] } },
  Endpoints: {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: meta('httpbin', 'full'),
    subsets: [
      {
        addresses: [{ ip: '127.0.1.2', targetRef: { kind: 'Pod', name: 'p', namespace: 'full' } }],
        ports: [{ name: 'http', port: 80 }],
      },
    ],
  },
  ConfigMap: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta('istio', 'istio-system'),
    data: { mesh: 'x' },
  },
  'Deployment apps/v1': {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta('httpbin'),
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'httpbin' } },
      template: {
        metadata: { labels: { app: 'httpbin', version: 'v1' } },
        spec: { containers: [container()] },
      },
    },
  },
  'Deployment extensions/v1beta1': {
    apiVersion: 'extensions/v1beta1',
    kind: 'Deployment',
    metadata: meta('httpbin-nosidecar'),
    spec: { template: { metadata: { labels: { app: 'httpbin' } }, spec: { containers: [container()] } } },
  },
  'PeerAuthentication v1beta1': {
    apiVersion: 'security.istio.io/v1beta1',
    kind: 'PeerAuthentication',
    metadata: meta('default', 'full'),
    spec: { mtls: { mode: 'STRICT' } },
  },
  'PeerAuthentication v1': {
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: meta('httpbin', 'full'),
    spec: { selector: { matchLabels: { app: 'httpbin' } }, portLevelMtls: { '80': { mode: 'DISABLE' } } },
  },
  Policy: {
    apiVersion: 'authentication.istio.io/v1alpha1',
    kind: 'Policy',
    metadata: meta('httpbin', 'full'),
    spec: {
      targets: [{ name: 'httpbin', ports: [{ number: 8000 }] }],
      peers: [{ mtls: { mode: 'STRICT' } }],
    },
  },
  MeshPolicy: {
    apiVersion: 'authentication.istio.io/v1alpha1',
    kind: 'MeshPolicy',
    metadata: meta('default'),
    spec: { peers: [{ mtls: { mode: 'PERMISSIVE' } }] },
  },
  'DestinationRule v1alpha3': {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'DestinationRule',
    metadata: meta('httpbin', 'full'),
    spec: {
      host: 'httpbin.full.svc.cluster.local',
      trafficPolicy: {
        tls: { mode: 'ISTIO_MUTUAL' },
        portLevelSettings: [{ port: { number: 8000 }, tls: { mode: 'DISABLE' } }],
      },
      subsets: [{ name: 'v1', labels: { version: 'v1' } }],
    },
  },
  'DestinationRule v1beta1': {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'DestinationRule',
    metadata: meta('default', 'istio-system'),
    spec: { host: '*.local', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } },
  },
  'DestinationRule v1': {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: meta('ext', 'full'),
    spec: {
      host: 'ext.example.com',
      trafficPolicy: {
        tls: { mode: 'MUTUAL', clientCertificate: '/c.pem', privateKey: '/k.pem', caCertificates: '/ca.pem' },
      },
    },
  },
};

describe('validation: a valid object of every kind and version', () => {
  for (const [base, value] of Object.entries(BASES)) {
    it(`accepts ${base}`, () => {
      const { resource, problems } = decodeObject(value, { document: 1 });
      assert.equal(problems.map(formatProblem).join('\n'), '');
      assert.deepEqual(resource, value);
    });
  }
});

/** [what, base, change, expected path, message fragment] */
type Case = [string, string, (o: Obj) => void, string, string];

// prettier-ignore
const CASES: Case[] = [
  // ---- identity of the object
  ['an unknown kind lists the supported kinds', 'Namespace', (o) => (o.kind = 'Widget'), 'kind', 'unknown kind "Widget"; supported kinds are Namespace, Node, ServiceAccount, Service, Pod'],
  ['a missing kind', 'Namespace', (o) => delete o.kind, 'kind', 'required; supported kinds are'],
  ['a lower-case kind', 'Pod', (o) => (o.kind = 'pod'), 'kind', 'did you mean "Pod"?'],
  ['a missing apiVersion', 'Policy', (o) => delete o.apiVersion, 'apiVersion', 'required; Policy is served at authentication.istio.io/v1alpha1'],
  ['an unknown apiVersion lists the accepted ones', 'Deployment apps/v1', (o) => (o.apiVersion = 'apps/v2'), 'apiVersion', 'accepted: apps/v1, extensions/v1beta1'],
  ["a kind at another kind's group", 'MeshPolicy', (o) => (o.apiVersion = 'security.istio.io/v1beta1'), 'apiVersion', 'MeshPolicy is not served at "security.istio.io/v1beta1"; accepted: authentication.istio.io/v1alpha1'],
  // ---- metadata (all kinds share it)
  ['a missing metadata', 'Namespace', (o) => delete o.metadata, 'metadata', 'required, expected a map'],
  ['a missing name', 'ServiceAccount', (o) => delete o.metadata.name, 'metadata.name', 'required, expected a string'],
  ['an empty name', 'ServiceAccount', (o) => (o.metadata.name = ''), 'metadata.name', 'must not be empty'],
  ['an upper-case name', 'Pod', (o) => (o.metadata.name = 'Httpbin'), 'metadata.name', 'invalid name "Httpbin": use lowercase letters'],
  ['a name too long', 'ConfigMap', (o) => (o.metadata.name = 'a'.repeat(254)), 'metadata.name', 'at most 253 characters'],
  ['a namespace name with a dot', 'Namespace', (o) => (o.metadata.name = 'a.b'), 'metadata.name', 'invalid name "a.b"'],
  ['a service name starting with a digit', 'Service', (o) => (o.metadata.name = '1httpbin'), 'metadata.name', 'starting with a letter'],
  ['a bad metadata.namespace', 'Pod', (o) => (o.metadata.namespace = 'Full'), 'metadata.namespace', 'invalid name "Full"'],
  ['an unknown metadata field', 'Service', (o) => (o.metadata.colour = 'red'), 'metadata.colour', 'unknown field "colour"'],
  ['a number label value', 'Namespace', (o) => (o.metadata.labels = { version: 1 }), 'metadata.labels.version', 'expected a string, got 1 (quote it to keep it a string)'],
  ['a bad label key', 'Namespace', (o) => (o.metadata.labels = { 'bad key': 'x' }), 'metadata.labels["bad key"]', 'invalid label key "bad key"'],
  ['a bad label value', 'Pod', (o) => (o.metadata.labels = { app: 'a b' }), 'metadata.labels.app', 'invalid label value "a b"'],
  ['annotations as a list', 'ConfigMap', (o) => (o.metadata.annotations = ['a']), 'metadata.annotations', 'expected a map, got a list'],
  ['an unknown top-level field', 'ServiceAccount', (o) => (o.spec = {}), 'spec', 'unknown field "spec"'],
  ['a Namespace spec that is not a map', 'Namespace', (o) => (o.spec = 'x'), 'spec', 'expected a map, got "x"'],
  ['an unknown Namespace field', 'Namespace', (o) => (o.data = {}), 'data', 'unknown field "data"'],
  ['automountServiceAccountToken not a boolean', 'ServiceAccount', (o) => (o.automountServiceAccountToken = 'yes'), 'automountServiceAccountToken', 'expected true or false, got "yes"'],
  ['a bad ServiceAccount name', 'ServiceAccount', (o) => (o.metadata.name = 'sleep_sa'), 'metadata.name', 'invalid name "sleep_sa"'],
  // ---- Service
  ['a port out of range', 'Service', (o) => (o.spec.ports[0].port = 70000), 'spec.ports[0].port', 'expected a port number 1-65535, got 70000'],
  ['a port as a string', 'Service', (o) => (o.spec.ports[0].port = '8000'), 'spec.ports[0].port', 'expected a number, got "8000"'],
  ['a zero targetPort', 'Service', (o) => (o.spec.ports[0].targetPort = 0), 'spec.ports[0].targetPort', 'expected a port number 1-65535'],
  ['a targetPort of the wrong type', 'Service', (o) => (o.spec.ports[0].targetPort = true), 'spec.ports[0].targetPort', 'expected a port number 1-65535 or a container port name, got true'],
  ['a bad protocol', 'Service', (o) => (o.spec.ports[0].protocol = 'HTTP'), 'spec.ports[0].protocol', 'expected TCP, UDP or SCTP, got "HTTP"'],
  ['missing ports', 'Service', (o) => delete o.spec.ports, 'spec.ports', 'required, expected a list'],
  ['duplicate port names', 'Service', (o) => o.spec.ports.push({ name: 'http', port: 9000 }), 'spec.ports[1].name', 'duplicate port name "http"'],
  ['an unnamed port among several', 'Service', (o) => o.spec.ports.push({ port: 9000 }), 'spec.ports[1].name', 'required when a service has more than one port'],
  ['a selector value that is not a string', 'Service', (o) => (o.spec.selector = { app: true }), 'spec.selector.app', 'expected a string, got true'],
  ['an unknown spec field', 'Service', (o) => (o.spec.portz = []), 'spec.portz', 'unknown field "portz"'],
  ['a bad service type', 'Service', (o) => (o.spec.type = 'Internal'), 'spec.type', 'expected ClusterIP, NodePort, LoadBalancer or ExternalName'],
  // ---- Pod
  ['no containers', 'Pod', (o) => (o.spec.containers = []), 'spec.containers', 'expected at least one container'],
  ['missing containers', 'Pod', (o) => delete o.spec.containers, 'spec.containers', 'required, expected a list'],
  ['a container without image', 'Pod', (o) => delete o.spec.containers[0].image, 'spec.containers[0].image', 'required, expected a string'],
  ['a container port out of range', 'Pod', (o) => (o.spec.containers[0].ports[0].containerPort = 0), 'spec.containers[0].ports[0].containerPort', 'expected a port number 1-65535, got 0'],
  ['a bad container port name', 'Pod', (o) => (o.spec.containers[0].ports[0].name = 'HTTP_PORT'), 'spec.containers[0].ports[0].name', 'invalid port name "HTTP_PORT"'],
  ['duplicate container names', 'Pod', (o) => o.spec.containers.push({ name: 'app', image: 'x' }), 'spec.containers[1].name', 'duplicate container name "app"'],
  ['a bad imagePullPolicy', 'Pod', (o) => (o.spec.containers[0].imagePullPolicy = 'Sometimes'), 'spec.containers[0].imagePullPolicy', 'expected Always, IfNotPresent or Never, got "Sometimes"'],
  ['a bad restartPolicy', 'Pod', (o) => (o.spec.restartPolicy = 'Maybe'), 'spec.restartPolicy', 'expected Always, OnFailure or Never'],
  ['a misspelt container field', 'Pod', (o) => (o.spec.containers[0].imagee = 'x'), 'spec.containers[0].imagee', 'unknown field "imagee"'],
  ['a command that is a string', 'Pod', (o) => (o.spec.containers[0].command = '/bin/sleep 1d'), 'spec.containers[0].command', 'expected a list, got "/bin/sleep 1d"'],
  ['an env var without name', 'Pod', (o) => (o.spec.containers[0].env = [{ value: 'x' }]), 'spec.containers[0].env[0].name', 'required, expected a string'],
  ['a bad serviceAccountName', 'Pod', (o) => (o.spec.serviceAccountName = 'Sleep'), 'spec.serviceAccountName', 'invalid name "Sleep"'],
  ['a negative grace period', 'Pod', (o) => (o.spec.terminationGracePeriodSeconds = -1), 'spec.terminationGracePeriodSeconds', 'expected a number 0 or more, got -1'],
  // ---- Endpoints
  ['an endpoint port out of range', 'Endpoints', (o) => (o.subsets[0].ports[0].port = 65536), 'subsets[0].ports[0].port', 'expected a port number 1-65535'],
  ['an address without ip', 'Endpoints', (o) => delete o.subsets[0].addresses[0].ip, 'subsets[0].addresses[0].ip', 'required, expected a string'],
  ['a targetRef to something else than a pod', 'Endpoints', (o) => (o.subsets[0].addresses[0].targetRef.kind = 'Node'), 'subsets[0].addresses[0].targetRef.kind', 'expected Pod, got "Node"'],
  ['an unknown subset field', 'Endpoints', (o) => (o.subsets[0].address = []), 'subsets[0].address', 'unknown field "address"'],
  ['subsets as a map', 'Endpoints', (o) => (o.subsets = {}), 'subsets', 'expected a list, got a map'],
  ['a bad endpoint port protocol', 'Endpoints', (o) => (o.subsets[0].ports[0].protocol = 'tcp'), 'subsets[0].ports[0].protocol', 'expected TCP, UDP or SCTP, got "tcp"'],
  ['a bad Endpoints name', 'Endpoints', (o) => (o.metadata.name = '-httpbin'), 'metadata.name', 'invalid name "-httpbin"'],
  // ---- ConfigMap
  ['a data value that is not a string', 'ConfigMap', (o) => (o.data = { enabled: true }), 'data.enabled', 'expected a string, got true'],
  ['an unknown ConfigMap field', 'ConfigMap', (o) => (o.spec = {}), 'spec', 'unknown field "spec"'],
  ['immutable not a boolean', 'ConfigMap', (o) => (o.immutable = 1), 'immutable', 'expected true or false, got 1'],
  ['a ConfigMap without name', 'ConfigMap', (o) => delete o.metadata.name, 'metadata.name', 'required, expected a string'],
  // ---- Deployment
  ['an apps/v1 Deployment without selector', 'Deployment apps/v1', (o) => delete o.spec.selector, 'spec.selector', 'required, expected a map'],
  ['a selector that does not match the template', 'Deployment apps/v1', (o) => (o.spec.selector.matchLabels = { app: 'sleep' }), 'spec.template.metadata.labels', 'selector does not match template labels: the template needs app=sleep'],
  ['an empty selector', 'Deployment apps/v1', (o) => (o.spec.selector = {}), 'spec.selector.matchLabels', 'an empty selector would select every pod'],
  ['matchExpressions (not supported)', 'Deployment apps/v1', (o) => (o.spec.selector.matchExpressions = []), 'spec.selector.matchExpressions', 'unknown field "matchExpressions"'],
  ['negative replicas', 'Deployment apps/v1', (o) => (o.spec.replicas = -1), 'spec.replicas', 'expected a number 0 or more, got -1'],
  ['replicas as a string', 'Deployment apps/v1', (o) => (o.spec.replicas = '1'), 'spec.replicas', 'expected a number, got "1"'],
  ['fractional replicas', 'Deployment apps/v1', (o) => (o.spec.replicas = 1.5), 'spec.replicas', 'expected an integer, got 1.5'],
  ['a missing template', 'Deployment apps/v1', (o) => delete o.spec.template, 'spec.template', 'required, expected a map'],
  ['a container port out of range in the template', 'Deployment apps/v1', (o) => (o.spec.template.spec.containers[0].ports[0].containerPort = 99999), 'spec.template.spec.containers[0].ports[0].containerPort', 'expected a port number 1-65535, got 99999'],
  ['rollbackTo on apps/v1', 'Deployment apps/v1', (o) => (o.spec.rollbackTo = {}), 'spec.rollbackTo', 'unknown field "rollbackTo"'],
  ['an extensions/v1beta1 Deployment with neither selector nor template labels', 'Deployment extensions/v1beta1', (o) => delete o.spec.template.metadata, 'spec.template.metadata.labels', 'without a selector the template labels become the selector'],
  ['a misspelt template field', 'Deployment extensions/v1beta1', (o) => (o.spec.template.metdata = {}), 'spec.template.metdata', 'unknown field "metdata"'],
  // ---- PeerAuthentication
  ['a bad PeerAuthentication mode', 'PeerAuthentication v1beta1', (o) => (o.spec.mtls.mode = 'STRICTT'), 'spec.mtls.mode', 'expected UNSET, DISABLE, PERMISSIVE or STRICT, got "STRICTT"'],
  ['portLevelMtls without selector', 'PeerAuthentication v1beta1', (o) => (o.spec.portLevelMtls = { '80': { mode: 'DISABLE' } }), 'spec.portLevelMtls', 'needs a selector'],
  ['a portLevelMtls key that is not a number', 'PeerAuthentication v1', (o) => (o.spec.portLevelMtls = { http: { mode: 'DISABLE' } }), 'spec.portLevelMtls.http', 'keys are port numbers 1-65535, got "http"'],
  ['a portLevelMtls port out of range', 'PeerAuthentication v1', (o) => (o.spec.portLevelMtls = { '70000': { mode: 'DISABLE' } }), 'spec.portLevelMtls["70000"]', 'keys are port numbers 1-65535, got "70000"'],
  ['a bad port-level mode', 'PeerAuthentication v1', (o) => (o.spec.portLevelMtls['80'].mode = 'OFF'), 'spec.portLevelMtls["80"].mode', 'expected UNSET, DISABLE, PERMISSIVE or STRICT, got "OFF"'],
  ['a selector with matchExpressions', 'PeerAuthentication v1', (o) => (o.spec.selector.matchExpressions = []), 'spec.selector.matchExpressions', 'unknown field "matchExpressions"'],
  ['an unknown PeerAuthentication spec field', 'PeerAuthentication v1beta1', (o) => (o.spec.peers = []), 'spec.peers', 'unknown field "peers"'],
  ['mtls as a string', 'PeerAuthentication v1beta1', (o) => (o.spec.mtls = 'STRICT'), 'spec.mtls', 'expected a map, got "STRICT"'],
  // ---- Policy
  ['a bad Policy peer mode', 'Policy', (o) => (o.spec.peers[0].mtls.mode = 'STRICTT'), 'spec.peers[0].mtls.mode', 'expected STRICT or PERMISSIVE, got "STRICTT"'],
  ['DISABLE is not a v1alpha1 mode', 'Policy', (o) => (o.spec.peers[0].mtls.mode = 'DISABLE'), 'spec.peers[0].mtls.mode', 'expected STRICT or PERMISSIVE, got "DISABLE"'],
  ['a Policy without targets not named default', 'Policy', (o) => delete o.spec.targets, 'metadata.name', 'a Policy without targets applies to the whole namespace and must be named "default", got "httpbin"'],
  ['a Policy with empty targets not named default', 'Policy', (o) => (o.spec.targets = []), 'metadata.name', 'must be named "default"'],
  ['a Policy named default with targets', 'Policy', (o) => (o.metadata.name = 'default'), 'spec.targets', 'a Policy named "default" applies to the whole namespace and cannot have targets'],
  ['a target without a name', 'Policy', (o) => delete o.spec.targets[0].name, 'spec.targets[0].name', 'required, expected a string'],
  ['a target port with number and name', 'Policy', (o) => (o.spec.targets[0].ports[0].name = 'http'), 'spec.targets[0].ports[0]', 'expected exactly one of number or name'],
  ['a target port out of range', 'Policy', (o) => (o.spec.targets[0].ports[0].number = 0), 'spec.targets[0].ports[0].number', 'expected a port number 1-65535'],
  ['a peer with neither mtls nor jwt', 'Policy', (o) => (o.spec.peers = [{}]), 'spec.peers[0]', 'expected exactly one of mtls or jwt'],
  ['a misspelt peers field', 'Policy', (o) => (o.spec.peer = o.spec.peers), 'spec.peer', 'unknown field "peer"'],
  ['an unknown mtls field', 'Policy', (o) => (o.spec.peers[0].mtls.strict = true), 'spec.peers[0].mtls.strict', 'unknown field "strict"'],
  ['a bad principalBinding', 'Policy', (o) => (o.spec.principalBinding = 'USE_BOTH'), 'spec.principalBinding', 'expected USE_PEER or USE_ORIGIN, got "USE_BOTH"'],
  ['targets as a map', 'Policy', (o) => (o.spec.targets = { name: 'httpbin' }), 'spec.targets', 'expected a list, got a map'],
  ['a missing Policy spec', 'Policy', (o) => delete o.spec, 'spec', 'required, expected a map'],
  // ---- MeshPolicy
  ['a MeshPolicy not named default', 'MeshPolicy', (o) => (o.metadata.name = 'mesh'), 'metadata.name', 'a MeshPolicy must be named "default", got "mesh"'],
  ['a MeshPolicy with targets', 'MeshPolicy', (o) => (o.spec.targets = [{ name: 'httpbin' }]), 'spec.targets', 'a MeshPolicy applies to the whole mesh and cannot have targets'],
  ['a bad MeshPolicy mode', 'MeshPolicy', (o) => (o.spec.peers[0].mtls.mode = 'permissive'), 'spec.peers[0].mtls.mode', 'expected STRICT or PERMISSIVE, got "permissive"'],
  ['allowTls not a boolean', 'MeshPolicy', (o) => (o.spec.peers[0].mtls.allowTls = 'yes'), 'spec.peers[0].mtls.allowTls', 'expected true or false, got "yes"'],
  ['an unknown MeshPolicy spec field', 'MeshPolicy', (o) => (o.spec.selector = {}), 'spec.selector', 'unknown field "selector"'],
  ['MeshPolicy peers as a map', 'MeshPolicy', (o) => (o.spec.peers = { mtls: {} }), 'spec.peers', 'expected a list, got a map'],
  ['a MeshPolicy without spec', 'MeshPolicy', (o) => delete o.spec, 'spec', 'required, expected a map'],
  ['a bad PeerAuthentication name', 'PeerAuthentication v1', (o) => (o.metadata.name = 'Default'), 'metadata.name', 'invalid name "Default"'],
  ['a PeerAuthentication without spec', 'PeerAuthentication v1beta1', (o) => delete o.spec, 'spec', 'required, expected a map'],
  ['a bad Deployment name', 'Deployment extensions/v1beta1', (o) => (o.metadata.name = 'httpbin.'), 'metadata.name', 'invalid name "httpbin."'],
  ['a bad Policy name', 'Policy', (o) => (o.metadata.name = 'http bin'), 'metadata.name', 'invalid name "http bin"'],
  // ---- DestinationRule
  ['a DestinationRule without host', 'DestinationRule v1alpha3', (o) => delete o.spec.host, 'spec.host', 'required, expected a string'],
  ['an empty host', 'DestinationRule v1alpha3', (o) => (o.spec.host = ''), 'spec.host', 'required: the host the rule applies to'],
  ['an invalid host', 'DestinationRule v1beta1', (o) => (o.spec.host = 'httpbin full'), 'spec.host', 'invalid host "httpbin full"'],
  ['a wildcard in the middle of a host', 'DestinationRule v1beta1', (o) => (o.spec.host = 'a.*.local'), 'spec.host', 'invalid host "a.*.local"'],
  ['a bad tls mode', 'DestinationRule v1alpha3', (o) => (o.spec.trafficPolicy.tls.mode = 'ISTIO_MTLS'), 'spec.trafficPolicy.tls.mode', 'expected DISABLE, SIMPLE, MUTUAL or ISTIO_MUTUAL, got "ISTIO_MTLS"'],
  ['a tls without mode', 'DestinationRule v1alpha3', (o) => (o.spec.trafficPolicy.tls = { sni: 'x' }), 'spec.trafficPolicy.tls.mode', 'required, expected DISABLE, SIMPLE, MUTUAL or ISTIO_MUTUAL'],
  ['MUTUAL without client certificate', 'DestinationRule v1', (o) => delete o.spec.trafficPolicy.tls.clientCertificate, 'spec.trafficPolicy.tls.clientCertificate', 'required for mode MUTUAL (or give credentialName)'],
  ['MUTUAL without private key', 'DestinationRule v1', (o) => delete o.spec.trafficPolicy.tls.privateKey, 'spec.trafficPolicy.tls.privateKey', 'required for mode MUTUAL'],
  ['ISTIO_MUTUAL with a client certificate', 'DestinationRule v1beta1', (o) => (o.spec.trafficPolicy.tls.clientCertificate = '/c.pem'), 'spec.trafficPolicy.tls.clientCertificate', 'not allowed with mode ISTIO_MUTUAL'],
  ['a subset with MUTUAL and no key', 'DestinationRule v1alpha3', (o) => (o.spec.subsets[0].trafficPolicy = { tls: { mode: 'MUTUAL', clientCertificate: '/c' } }), 'spec.subsets[0].trafficPolicy.tls.privateKey', 'required for mode MUTUAL'],
  ['a port-level tls with a bad mode', 'DestinationRule v1alpha3', (o) => (o.spec.trafficPolicy.portLevelSettings[0].tls.mode = 'NONE'), 'spec.trafficPolicy.portLevelSettings[0].tls.mode', 'expected DISABLE, SIMPLE, MUTUAL or ISTIO_MUTUAL, got "NONE"'],
  ['a port-level port out of range', 'DestinationRule v1alpha3', (o) => (o.spec.trafficPolicy.portLevelSettings[0].port.number = 0), 'spec.trafficPolicy.portLevelSettings[0].port.number', 'expected a port number 1-65535, got 0'],
  ['a subset without name', 'DestinationRule v1alpha3', (o) => delete o.spec.subsets[0].name, 'spec.subsets[0].name', 'required, expected a string'],
  ['duplicate subset names', 'DestinationRule v1alpha3', (o) => o.spec.subsets.push({ name: 'v1' }), 'spec.subsets[1].name', 'duplicate subset name "v1"'],
  ['an unknown tls field', 'DestinationRule v1alpha3', (o) => (o.spec.trafficPolicy.tls.sans = []), 'spec.trafficPolicy.tls.sans', 'unknown field "sans"'],
  ['subjectAltNames as a string', 'DestinationRule v1', (o) => (o.spec.trafficPolicy.tls.subjectAltNames = 'spiffe://x'), 'spec.trafficPolicy.tls.subjectAltNames', 'expected a list, got "spiffe://x"'],
  ['a bad DestinationRule name', 'DestinationRule v1', (o) => (o.metadata.name = 'Ext'), 'metadata.name', 'invalid name "Ext"'],
  ['exportTo as a string', 'DestinationRule v1beta1', (o) => (o.spec.exportTo = '*'), 'spec.exportTo', 'expected a list, got "*"'],
  ['an unknown DestinationRule spec field', 'DestinationRule v1', (o) => (o.spec.hosts = ['a']), 'spec.hosts', 'unknown field "hosts"; did you mean "host"?'],
];

describe('validation: the registry and the schemas agree', () => {
  for (const info of KINDS) {
    for (const apiVersion of info.apiVersions) {
      it(`has a schema for ${apiVersion} ${info.kind}`, () => {
        const { issues } = validateResource({ apiVersion, kind: info.kind });
        assert.equal(
          issues.some((i) => i.path[0] === 'apiVersion' || i.path[0] === 'kind'),
          false,
        );
        assert.ok(issues.some((i) => i.path[0] === 'metadata'));
      });
    }
  }
});

describe('validation: malformed input for every kind', () => {
  for (const [what, base, change, path, fragment] of CASES) {
    it(`reports ${what} at ${path}`, () => {
      const value = structuredClone(BASES[base]);
      assert.ok(value, `no base ${base}`);
      change(value);
      const { resource, problems } = decodeObject(value, { document: 2 });
      assert.equal(resource, undefined);
      const atPath = problems.filter((p) => p.path === path);
      const shown = problems.map(formatProblem).join('\n');
      assert.ok(atPath.length > 0, `no problem at ${path}; got:\n${shown}`);
      assert.ok(
        atPath.some((p) => p.message.includes(fragment)),
        `no problem at ${path} mentions ${JSON.stringify(fragment)}; got:\n${shown}`,
      );
      assert.ok(problems.every((p) => p.document === 2));
    });
  }

  it('reports every problem of one object, not just the first', () => {
    const value = structuredClone(BASES.Policy!);
    value.metadata.name = 'default';
    value.metadata.colour = 'red';
    value.spec.peers[0].mtls.mode = 'STRICTT';
    value.spec.targets[0].ports[0].number = 0;
    const { problems } = decodeObject(value, { document: 1 });
    assert.deepEqual(problems.map((p) => p.path).sort(), [
      'metadata.colour',
      'spec.peers[0].mtls.mode',
      'spec.targets',
      'spec.targets[0].ports[0].number',
    ]);
  });

  it('names the object in every problem', () => {
    const value = structuredClone(BASES.MeshPolicy!);
    value.metadata.name = 'mesh';
    const { problems } = decodeObject(value, { document: 5 });
    assert.equal(
      formatProblem(problems[0]!),
      'document 5 (MeshPolicy/mesh): metadata.name: a MeshPolicy must be named "default", got "mesh"',
    );
  });

  it('accepts the Kubernetes metadata fields that servers and dumps carry', () => {
    const value = structuredClone(BASES.Pod!);
    Object.assign(value.metadata, {
      uid: 'u-1',
      resourceVersion: '42',
      generation: 3,
      creationTimestamp: '2026-01-01T00:00:00Z',
      generateName: 'httpbin-',
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'Deployment', name: 'httpbin', uid: 'u-0', controller: true },
      ],
      finalizers: ['x'],
      managedFields: [{ manager: 'kubectl' }],
      selfLink: '/api/v1/namespaces/full/pods/p',
      annotations: { 'sidecar.istio.io/status': '{}' },
    });
    assert.deepEqual(decodeObject(value, { document: 1 }).problems, []);
  });

  it('accepts mtls written as null (STRICT) and a jwt peer', () => {
    const value = structuredClone(BASES.Policy!);
    value.spec.peers = [{ mtls: null }, { jwt: { issuer: 'x' } }];
    const { resource, problems } = decodeObject(value, { document: 1 });
    assert.deepEqual(problems, []);
    assert.ok(resource?.kind === 'Policy');
    assert.equal(resource.spec.peers?.[0]?.mtls, null);
  });

  it('suggests the field meant when an unknown field is a near miss', () => {
    const value = structuredClone(BASES.Pod!);
    value.metadata.lables = { app: 'x' };
    value.spec.containers[0].imagee = 'x';
    value.spec.serviceAccountname = 'sleep';
    value.spec.colour = 'red';
    const messages = decodeObject(value, { document: 1 }).problems.map((p) => `${p.path}: ${p.message}`);
    assert.deepEqual(messages.sort(), [
      'metadata.lables: unknown field "lables"; did you mean "labels"?',
      'spec.colour: unknown field "colour"',
      'spec.containers[0].imagee: unknown field "imagee"; did you mean "image"?',
      'spec.serviceAccountname: unknown field "serviceAccountname"; did you mean "serviceAccountName"?',
    ]);
  });

  it('accepts MUTUAL with only a credentialName', () => {
    const value = structuredClone(BASES['DestinationRule v1']!);
    value.spec.trafficPolicy.tls = { mode: 'MUTUAL', credentialName: 'client-cred' };
    assert.deepEqual(decodeObject(value, { document: 1 }).problems, []);
  });
});
