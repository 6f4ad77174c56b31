// What a client sidecar sends to one endpoint of a service: explicit DestinationRule TLS wins;
// otherwise auto mTLS (per endpoint: sidecar and not DISABLE) or plaintext when auto is off, and
// nothing at all (REFUSE) instead of that plaintext when the client requires mTLS.
// See shared/spec/behaviour.md "What the client sidecar sends, per endpoint".
import type { ClientTlsSettings, Service, ServicePort, UpstreamTls } from '../api/index.js';
import { destinationRuleFor } from './destination-rule-for.js';
import { MeshIndex, keyOfService } from './mesh-index.js';
import type { MeshState, WorkloadInstance } from './mesh-state.js';
import { fqdnOf, istioSni, serviceNamespace, spiffeIdFor } from './names.js';
import { targetPortOf } from '../api/index.js';
import { refOf } from './oldest-first.js';
import type { ChosenDestinationRule } from './merge-destination-rules.js';
import { requireMtlsFor, REQUIRE_MTLS_LABEL } from './require-mtls.js';
import { resolveTls } from './resolve-tls.js';
import type { ResolvedTls } from './resolve-tls.js';
import { serverModeIn } from './server-mode.js';

export interface ClientTlsInput {
  client: WorkloadInstance;
  service: Service;
  servicePort: ServicePort;
  subset?: string;
  endpoint: WorkloadInstance;
}

/** The TLS `client`'s sidecar uses toward `endpoint` for (service, port, subset), with the reason. */
export function clientTls(state: MeshState, input: ClientTlsInput): UpstreamTls {
  return clientTlsIn(new MeshIndex(state), input);
}

export function clientTlsIn(index: MeshIndex, input: ClientTlsInput): UpstreamTls {
  const { client, service, servicePort, subset } = input;
  if (!client.runsSidecar) {
    return { mode: 'DISABLE', reason: 'client has no sidecar: its app talks plaintext directly' };
  }
  const rule = destinationRuleFor(index, client.namespace, service);
  const resolved = rule === undefined ? undefined : resolveTls(rule, servicePort.port, subset);
  if (rule !== undefined && resolved?.tls !== undefined) {
    // A deliberate choice, plaintext included: require-mTLS does not override it.
    return explicitTls(index, resolved.tls, explicitReason(rule, resolved, resolved.tls), input);
  }
  const auto = autoTls(index, input);
  if (auto.mode !== 'DISABLE') return auto;
  const required = requireMtlsFor(index, client);
  if (!required.required) return auto;
  return { mode: 'REFUSE', reason: `${REQUIRE_MTLS_LABEL} is true (${required.source}), and ${auto.reason}` };
}

/**
 * Auto mTLS (or plaintext when it is off), for a client with a sidecar and no DestinationRule
 * tls. Its plaintext is a `downgrade` (the sidecar counts those): mTLS was not chosen against
 * the mesh's intent, unlike a DestinationRule's DISABLE.
 */
function autoTls(index: MeshIndex, input: ClientTlsInput): UpstreamTls {
  const { service, servicePort, subset, endpoint } = input;
  if (!index.settings.autoMtls) {
    return {
      mode: 'DISABLE',
      downgrade: true,
      reason: 'auto mTLS off and no DestinationRule TLS: plaintext',
    };
  }
  if (!endpoint.hasSidecar)
    return { mode: 'DISABLE', downgrade: true, reason: 'auto mTLS: endpoint has no sidecar' };
  const port = targetPortOf(servicePort, endpoint);
  if (port === undefined) {
    return {
      mode: 'DISABLE',
      downgrade: true,
      reason: `auto mTLS: endpoint has no port named ${String(servicePort.targetPort)}`,
    };
  }
  const server = serverModeIn(index, endpoint, port);
  if (server.mode === 'DISABLE') {
    return {
      mode: 'DISABLE',
      downgrade: true,
      reason: `auto mTLS: endpoint's port ${port} is ${server.reason}: plaintext`,
    };
  }
  return {
    mode: 'ISTIO_MUTUAL',
    reason: `auto mTLS: endpoint has a sidecar and its port ${port} is ${server.reason}`,
    sni: istioSni(servicePort.port, subset, fqdnOf(service)),
    sans: serviceSans(index, service),
  };
}

/**
 * `explicit: DestinationRule full/r sets DISABLE (port 8000)`; for merged rules it names the rule
 * the tls was written in and the others merged with it.
 */
function explicitReason(rule: ChosenDestinationRule, resolved: ResolvedTls, tls: ClientTlsSettings): string {
  const source = resolved.rule ?? rule.from[0];
  const notes = resolved.from === 'top level' ? [] : [resolved.from];
  const others = rule.from.filter((r) => r !== source).map((r) => refOf(r.metadata));
  if (others.length > 0) notes.push(`merged with ${others.join(', ')}`);
  const where = notes.length === 0 ? '' : ` (${notes.join('; ')})`;
  const name = source === undefined ? '' : ` ${refOf(source.metadata)}`;
  return `explicit: DestinationRule${name} sets ${tls.mode}${where}`;
}

function explicitTls(
  index: MeshIndex,
  tls: ClientTlsSettings,
  reason: string,
  input: ClientTlsInput,
): UpstreamTls {
  const sans = tls.subjectAltNames ?? [];
  switch (tls.mode) {
    case 'DISABLE':
      return { mode: 'DISABLE', reason };
    case 'ISTIO_MUTUAL':
      return {
        mode: 'ISTIO_MUTUAL',
        reason,
        sni: tls.sni ?? istioSni(input.servicePort.port, input.subset, fqdnOf(input.service)),
        sans: sans.length > 0 ? [...sans] : serviceSans(index, input.service),
      };
    case 'SIMPLE':
      return withOptional({ mode: 'SIMPLE', reason, sans: [...sans] }, tls);
    case 'MUTUAL':
      return withOptional(
        {
          mode: 'MUTUAL',
          reason,
          sans: [...sans],
          clientCertificate: tls.clientCertificate ?? '',
          privateKey: tls.privateKey ?? '',
        },
        tls,
      );
  }
}

/** Copies the optional fields that are set, so snapshots carry no `undefined`s. */
function withOptional<T extends UpstreamTls & { mode: 'SIMPLE' | 'MUTUAL' }>(
  base: T,
  tls: ClientTlsSettings,
): T {
  const out: T = { ...base };
  if (tls.sni !== undefined) out.sni = tls.sni;
  if (tls.caCertificates !== undefined) out.caCertificates = tls.caCertificates;
  if (tls.insecureSkipVerify !== undefined) out.insecureSkipVerify = tls.insecureSkipVerify;
  return out;
}

/** SPIFFE IDs of the service accounts of all the service's workloads, sorted, unique. */
export function serviceSans(index: MeshIndex, service: Service): string[] {
  const key = keyOfService(service);
  let sans = index.sansMemo.get(key);
  if (sans === undefined) {
    const ns = serviceNamespace(service);
    const ids = index
      .serviceWorkloads(service)
      .map((w) => spiffeIdFor(index.settings.trustDomain, ns, w.serviceAccount));
    sans = [...new Set(ids)].sort();
    index.sansMemo.set(key, sans);
  }
  return sans;
}
