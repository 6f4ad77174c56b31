// What every API-talking command needs: the state directory (`$AUTOMESH_HOME`, default
// `~/.automesh`) and a client for the API server recorded there. The client is wrapped so that
// commands see kubectl's wording for missing and existing objects whatever the server says.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Resource } from '../api/index.js';
import { kindInfo, type KindInfo } from '../api/kinds.js';
import { ApiClient, ApiClientError } from '../controlplane/client/index.js';
import type { AnyObject } from '../api/table-columns.js';
import { qualifiedPlural } from './output/resource-type.js';

/** The state directory: `$AUTOMESH_HOME`, or `~/.automesh`. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['AUTOMESH_HOME'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.automesh');
}

/** What `apply` did to one object, in kubectl's words. */
export type ApplyAction = 'created' | 'configured' | 'unchanged' | 'deleted';

export interface ApplyOutcome {
  object: AnyObject;
  action: ApplyAction;
}

/** What `apply --wait` learnt from the control plane. */
export interface SyncResult {
  converged: boolean;
  proxies: number;
  notSynced: { namespace: string; pod: string; nackError?: string }[];
}

/** The API operations the CLI commands use. */
export interface MeshApi {
  get(kind: KindInfo, name: string, namespace?: string): Promise<AnyObject>;
  list(kind: KindInfo, options: { namespace?: string; labelSelector?: string }): Promise<AnyObject[]>;
  create(resource: Resource): Promise<AnyObject>;
  delete(kind: KindInfo, name: string, namespace?: string): Promise<void>;
  /** Applies all objects atomically; one outcome per object, in order. */
  apply(resources: readonly Resource[], options?: { dryRun?: boolean }): Promise<ApplyOutcome[]>;
  /** Waits until every connected proxy acked the current config; undefined when the server cannot tell. */
  waitForSync?(timeoutMs: number): Promise<SyncResult | undefined>;
}

/** An error as kubectl words it, keeping the server's reason: `pods "x" not found`. */
function reworded(error: unknown, kind: KindInfo, name: string): unknown {
  if (!(error instanceof ApiClientError) || error.status === undefined) return error;
  const subject = `${qualifiedPlural(kind)} "${name}"`;
  let message: string | undefined;
  // A 404 naming the namespace (`namespaces "x" not found`) is already right.
  if (error.reason === 'NotFound' && !error.message.startsWith('namespaces "'))
    message = `${subject} not found`;
  if (error.reason === 'AlreadyExists') message = `${subject} already exists`;
  if (message === undefined) return error;
  return new ApiClientError(error.code, message, {
    httpStatus: error.httpStatus,
    status: { ...error.status, message },
    cause: error,
  });
}

/** Adapts ApiClient to MeshApi. */
export class ClientMeshApi implements MeshApi {
  constructor(private readonly client: ApiClient) {}

  async get(kind: KindInfo, name: string, namespace?: string): Promise<AnyObject> {
    try {
      return (await this.client.get(kind, name, scope(namespace))) as unknown as AnyObject;
    } catch (error) {
      throw reworded(error, kind, name);
    }
  }

  async list(kind: KindInfo, options: { namespace?: string; labelSelector?: string }): Promise<AnyObject[]> {
    const listed = await this.client.list(kind, options);
    return listed.items as unknown as AnyObject[];
  }

  async create(resource: Resource): Promise<AnyObject> {
    try {
      return (await this.client.create(resource)) as unknown as AnyObject;
    } catch (error) {
      const info = kindInfo(resource.kind);
      throw info === undefined ? error : reworded(error, info, resource.metadata.name);
    }
  }

  async delete(kind: KindInfo, name: string, namespace?: string): Promise<void> {
    try {
      await this.client.delete(kind, name, scope(namespace));
    } catch (error) {
      throw reworded(error, kind, name);
    }
  }

  async apply(resources: readonly Resource[], options: { dryRun?: boolean } = {}): Promise<ApplyOutcome[]> {
    const response = await this.client.apply(resources, { dryRun: options.dryRun === true });
    return response.items.map((item) => ({
      object: item.object as unknown as AnyObject,
      action: item.outcome,
    }));
  }

  /** `GET /debug/sync` on the API server, mounted there by the control plane's composition. */
  async waitForSync(timeoutMs: number): Promise<SyncResult | undefined> {
    try {
      return await this.client.getPath<SyncResult>(`/debug/sync?timeoutMs=${timeoutMs}`);
    } catch (error) {
      if (error instanceof ApiClientError && error.notFound) return undefined;
      if (!(error instanceof ApiClientError) || error.code !== 'AUTOMESH_ERR_CLIENT_STATUS') throw error;
      throw new Error(`the control plane could not report proxy sync: ${error.message}`, { cause: error });
    }
  }
}

function scope(namespace: string | undefined): { namespace?: string } {
  return namespace === undefined ? {} : { namespace };
}

/** Connects to the API server of the state directory (`automesh up` records it there). */
export async function loadClient(dir: string = stateDir()): Promise<MeshApi> {
  return new ClientMeshApi(await ApiClient.fromStateDir(dir));
}

/** The clock for AGE and timeouts; one place so tests could replace it. */
export function nowMs(): number {
  return Date.now();
}
