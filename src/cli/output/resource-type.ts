// What the printers need to know about a kind: enough to name objects as kubectl does
// (`deployment.apps/httpbin`, `pods "x" not found`) and to pick table columns.

export interface ResourceType {
  /** `Deployment` */
  kind: string;
  /** `apps`; empty for the core group. */
  group: string;
  /** `deployments` */
  plural: string;
  namespaced: boolean;
}

/** `deployment.apps`, `service`, `policy.authentication.istio.io`: kubectl's name for a kind. */
export function qualifiedKind(type: ResourceType): string {
  const singular = type.kind.toLowerCase();
  return type.group === '' ? singular : `${singular}.${type.group}`;
}

/** `deployments.apps`, `pods`: the resource name kubectl's server errors use. */
export function qualifiedPlural(type: ResourceType): string {
  return type.group === '' ? type.plural : `${type.plural}.${type.group}`;
}

/** `deployment.apps/httpbin`: what `-o name`, `apply` and `create` print. */
export function objectRef(type: ResourceType, name: string): string {
  return `${qualifiedKind(type)}/${name}`;
}
