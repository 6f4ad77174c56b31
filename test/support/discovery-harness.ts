// A control plane's discovery side on loopback (memory store → registry → gRPC server with TLS)
// and simulated sidecars (the real discovery client with a recording sink), for push tests.
import type { ProxySnapshot } from '../../src/api/index.js';
import { MemoryConfigStore } from '../../src/store/index.js';
import { MeshRegistry } from '../../src/controlplane/registry/index.js';
import type { DiscoveryServer, DiscoveryServerOptions } from '../../src/controlplane/discovery/index.js';
import { startDiscoveryServer } from '../../src/controlplane/discovery/index.js';
import { storePodCheck } from '../../src/controlplane/ca/index.js';
import type { DiscoveryClient } from '../../src/proxy/discovery/index.js';
import { startDiscoveryClient } from '../../src/proxy/discovery/index.js';
import type { WorkloadCertificate } from '../../src/proxy/sources.js';
import type { TestPki } from './discovery-pki.js';
import { StaticCertificateSource, TRUST_DOMAIN, createTestPki } from './discovery-pki.js';

export interface SimulatedSidecar {
  pod: string;
  namespace: string;
  applied: ProxySnapshot[];
  client: DiscoveryClient;
  certificates: StaticCertificateSource;
  /** Return an error to refuse a snapshot (nack). */
  refuse: (snapshot: ProxySnapshot) => string | undefined;
}

export interface DiscoveryHarness {
  store: MemoryConfigStore;
  pki: TestPki;
  registry: MeshRegistry;
  server: DiscoveryServer;
  sidecars: SimulatedSidecar[];
  sidecar(
    namespace: string,
    pod: string,
    options?: { sa?: string; cert?: WorkloadCertificate; serverSpiffeId?: string },
  ): Promise<SimulatedSidecar>;
  /** Stops the server and registry (clients keep running), as a control-plane crash would. */
  stopControlPlane(): Promise<void>;
  /** Starts a fresh registry and server on the same port, over the same store. */
  restartControlPlane(): Promise<void>;
  close(): Promise<void>;
}

export type HarnessOptions = Partial<
  Pick<DiscoveryServerOptions, 'debounceMs' | 'maxDelayMs' | 'provider' | 'limits'>
> & {
  /** Hold streams to live pods in the store, as the control plane does (`isPodCurrent`). */
  podChecks?: boolean;
};

export async function startDiscoveryHarness(options: HarnessOptions = {}): Promise<DiscoveryHarness> {
  const store = new MemoryConfigStore();
  const pki = await createTestPki();
  const sidecars: SimulatedSidecar[] = [];
  let registry: MeshRegistry;
  let server: DiscoveryServer;
  const startControlPlane = async (port?: number): Promise<void> => {
    registry = new MeshRegistry({ store, settings: { trustDomain: TRUST_DOMAIN } });
    await registry.start();
    server = await startDiscoveryServer({
      source: registry,
      tls: pki.serving,
      trustDomain: TRUST_DOMAIN,
      debounceMs: options.debounceMs ?? 20,
      maxDelayMs: options.maxDelayMs ?? 200,
      ...(options.provider === undefined ? {} : { provider: options.provider }),
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      ...(options.podChecks === true ? { isPodCurrent: storePodCheck(store) } : {}),
      ...(port === undefined ? {} : { port }),
    });
  };
  await startControlPlane();
  const harness: DiscoveryHarness = {
    store,
    pki,
    get registry() {
      return registry;
    },
    get server() {
      return server;
    },
    sidecars,
    async sidecar(namespace, podName, sidecarOptions = {}) {
      // As the mesh CA does: the SVID names the pod (its stored UID, once it exists).
      const podUid = (await store.get('Pod', namespace, podName))?.metadata.uid ?? `uid-${podName}`;
      const cert =
        sidecarOptions.cert ??
        (await pki.svid(namespace, sidecarOptions.sa ?? 'default', { pod: podName, podUid }));
      const certificates = new StaticCertificateSource(cert);
      const sidecar: SimulatedSidecar = {
        pod: podName,
        namespace,
        applied: [],
        certificates,
        refuse: () => undefined,
        client: undefined as unknown as DiscoveryClient,
      };
      sidecar.client = startDiscoveryClient({
        address: server.address,
        caRootPem: pki.rootPem,
        certificateSource: certificates,
        pod: podName,
        namespace,
        backoff: { initialMs: 20, maxMs: 200 },
        ...(sidecarOptions.serverSpiffeId === undefined
          ? {}
          : { serverSpiffeId: sidecarOptions.serverSpiffeId }),
        sink: {
          apply: (snapshot) => {
            const error = sidecar.refuse(snapshot);
            if (error !== undefined) return { ok: false, error };
            sidecar.applied.push(snapshot);
            return { ok: true };
          },
        },
      });
      sidecars.push(sidecar);
      return sidecar;
    },
    async stopControlPlane() {
      registry.stop();
      await server.close();
    },
    async restartControlPlane() {
      await startControlPlane(server.port);
    },
    async close() {
      await Promise.all(sidecars.map((s) => s.client.close()));
      registry.stop();
      await server.close();
      await store.close();
    },
  };
  return harness;
}

/** Polls `predicate` every 10 ms until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
