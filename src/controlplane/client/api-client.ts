// A small typed REST client for the API server: the CLI and the runtime talk to the control plane
// only through it. Errors carry the server's Status message, so callers print it as is.

import type { Resource, ResourceKind } from '../../api/index.js';
import { kindInfo, resourcePath, type KindInfo } from '../../api/kinds.js';
import { DEFAULT_NAMESPACE } from '../../api/object-namespace.js';
import { ApiClientError, type StatusLike } from './api-client-error.js';
import { httpRequest, type HttpResponse } from './http-request.js';
import { defaultStateDir, loadClientConfig, type ClientConfig } from './client-config.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'ERROR';

export interface ClientWatchEvent<T extends Resource = Resource> {
  type: WatchEventType;
  object: T;
}

export interface ResourceList<T extends Resource = Resource> {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion: string };
  items: T[];
}

export interface ApplyOutcomeItem {
  outcome: 'created' | 'configured' | 'unchanged' | 'deleted';
  message: string;
  object: Resource;
}

export interface ApplyResponse {
  metadata: { resourceVersion: string };
  dryRun: boolean;
  items: ApplyOutcomeItem[];
}

export interface WatchHandle {
  /** Ends the stream; `done` then resolves. */
  stop(): void;
  /** Resolves when the stream ends (server end, timeout or stop); rejects on a failed request. */
  done: Promise<void>;
}

export interface ScopeOptions {
  namespace?: string;
}

export interface ListOptions extends ScopeOptions {
  labelSelector?: string;
}

export interface WatchOptions extends ListOptions {
  /** Changes after this version; absent: an ADDED per existing object first. */
  resourceVersion?: string;
  timeoutSeconds?: number;
  /** Only this object. */
  name?: string;
}

function infoOf(kind: ResourceKind | KindInfo): KindInfo {
  if (typeof kind !== 'string') return kind;
  const info = kindInfo(kind);
  if (!info) throw new ApiClientError('AUTOMESH_ERR_CLIENT_PROTOCOL', `unknown kind "${kind}"`);
  return info;
}

function query(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, value);
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

export class ApiClient {
  readonly server: string;
  private readonly token: string;
  private readonly ca: string | undefined;
  private readonly requestTimeoutMs: number | undefined;

  /**
   * `requestTimeoutMs` bounds every call but watches (a long-running agent on another host must not
   * wait on a request lost in a network partition); absent: no bound (the CLI's short calls).
   */
  constructor(config: ClientConfig, options: { requestTimeoutMs?: number } = {}) {
    this.server = config.server.replace(/\/+$/, '');
    this.token = config.token;
    this.ca = config.certificateAuthorityPem;
    this.requestTimeoutMs = options.requestTimeoutMs;
  }

  /** A client from `<state dir>/admin.kubeconfig` ($AUTOMESH_HOME or ~/.automesh by default). */
  static async fromStateDir(stateDir: string = defaultStateDir()): Promise<ApiClient> {
    return new ApiClient(await loadClientConfig(stateDir));
  }

  async get<T extends Resource = Resource>(
    kind: ResourceKind | KindInfo,
    name: string,
    options: ScopeOptions = {},
  ): Promise<T> {
    return this.request<T>('GET', this.path(kind, options.namespace, name));
  }

  /** Like get, but undefined when the object does not exist. */
  async find<T extends Resource = Resource>(
    kind: ResourceKind | KindInfo,
    name: string,
    options: ScopeOptions = {},
  ): Promise<T | undefined> {
    try {
      return await this.get<T>(kind, name, options);
    } catch (err) {
      if (err instanceof ApiClientError && err.notFound) return undefined;
      throw err;
    }
  }

  /** Lists one kind; without a namespace, every namespace. */
  async list<T extends Resource = Resource>(
    kind: ResourceKind | KindInfo,
    options: ListOptions = {},
  ): Promise<ResourceList<T>> {
    return this.request<ResourceList<T>>(
      'GET',
      this.path(kind, options.namespace) + query({ labelSelector: options.labelSelector }),
    );
  }

  async create<T extends Resource>(resource: T, options: ScopeOptions = {}): Promise<T> {
    const info = infoOf(resource.kind);
    return this.request<T>(
      'POST',
      this.path(info, resource.metadata.namespace ?? options.namespace ?? DEFAULT_NAMESPACE),
      resource,
    );
  }

  /** Replaces an object; pass metadata.resourceVersion for optimistic concurrency (409 Conflict). */
  async update<T extends Resource>(resource: T, options: ScopeOptions = {}): Promise<T> {
    const info = infoOf(resource.kind);
    const namespace = resource.metadata.namespace ?? options.namespace ?? DEFAULT_NAMESPACE;
    return this.request<T>('PUT', this.path(info, namespace, resource.metadata.name), resource);
  }

  /** Deletes one object and returns its last state (a Namespace takes everything in it along). */
  async delete<T extends Resource = Resource>(
    kind: ResourceKind | KindInfo,
    name: string,
    options: ScopeOptions = {},
  ): Promise<T> {
    return this.request<T>('DELETE', this.path(kind, options.namespace, name));
  }

  /** Deletes every object of a kind matching the selector ('' = all) in one all-or-nothing step. */
  async deleteCollection<T extends Resource = Resource>(
    kind: ResourceKind | KindInfo,
    options: ListOptions = {},
  ): Promise<ResourceList<T>> {
    return this.request<ResourceList<T>>(
      'DELETE',
      this.path(kind, options.namespace) + query({ labelSelector: options.labelSelector }),
    );
  }

  /** Server-side create-or-replace of many objects, all or nothing (a bad one: 422, nothing stored). */
  async apply(
    items: readonly unknown[],
    options: { namespace?: string; dryRun?: boolean } = {},
  ): Promise<ApplyResponse> {
    return this.request<ApplyResponse>('POST', '/apis/automesh.io/v1/apply', { items, ...options });
  }

  /**
   * GET of a path the kinds do not describe (the control plane's `/debug/...` handlers), with the
   * same credential, CA and errors as every other call; a 404 is an ApiClientError with `notFound`.
   */
  async getPath<T>(path: string, options: { timeoutMs?: number } = {}): Promise<T> {
    const signal = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
    return this.request<T>('GET', path, undefined, signal);
  }

  /** POST of a JSON body to a path the kinds do not describe (TokenRequest, the join endpoints). */
  async postPath<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  /** Streams changes of one kind until stopped, timed out or ended by the server. */
  watch<T extends Resource = Resource>(
    kind: ResourceKind | KindInfo,
    options: WatchOptions,
    onEvent: (event: ClientWatchEvent<T>) => void,
  ): WatchHandle {
    const abort = new AbortController();
    const path =
      this.path(kind, options.namespace, options.name) +
      query({
        watch: 'true',
        resourceVersion: options.resourceVersion,
        labelSelector: options.labelSelector,
        timeoutSeconds: options.timeoutSeconds === undefined ? undefined : String(options.timeoutSeconds),
      });
    const done = this.stream(path, abort.signal, (line) => onEvent(JSON.parse(line) as ClientWatchEvent<T>));
    return { stop: () => abort.abort(), done };
  }

  private path(kind: ResourceKind | KindInfo, namespace: string | undefined, name?: string): string {
    const info = infoOf(kind);
    return resourcePath(info, {
      ...(info.namespaced && namespace !== undefined ? { namespace } : {}),
      ...(name === undefined ? {} : { name }),
    });
  }

  private async send(
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<HttpResponse> {
    try {
      return await httpRequest(this.server + path, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal === undefined ? {} : { signal }),
        ...(this.ca === undefined ? {} : { ca: this.ca }),
      });
    } catch (err) {
      // Stopped by the caller: not a failure to report. A timeout is: the server did not answer.
      if (signal?.aborted && (signal.reason as { name?: string } | undefined)?.name !== 'TimeoutError')
        throw err;
      throw new ApiClientError(
        'AUTOMESH_ERR_CLIENT_UNREACHABLE',
        `cannot reach the API server at ${this.server}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}; is the mesh up? (run 'automesh up')`,
        { cause: err },
      );
    }
  }

  private async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const bounded =
      signal ??
      (this.requestTimeoutMs === undefined ? undefined : AbortSignal.timeout(this.requestTimeoutMs));
    const response = await this.send(method, path, body, bounded);
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch (err) {
      throw new ApiClientError(
        'AUTOMESH_ERR_CLIENT_PROTOCOL',
        `the API server answered ${response.status} with non-JSON`,
        {
          httpStatus: response.status,
          cause: err,
        },
      );
    }
    if (!response.ok) throw statusError(response.status, parsed);
    return parsed as T;
  }

  private async stream(path: string, signal: AbortSignal, onLine: (line: string) => void): Promise<void> {
    let response: HttpResponse;
    try {
      response = await this.send('GET', path, undefined, signal);
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    if (!response.ok) throw statusError(response.status, parseOrUndefined(await response.text()));
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of response.body) {
        buffered += decoder.decode(chunk as Uint8Array, { stream: true });
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (line.trim() !== '') onLine(line);
        }
      }
    } catch (err) {
      if (!signal.aborted) throw err;
    }
  }
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // not JSON: statusError words the failure from the status code alone
  }
}

function statusError(httpStatus: number, body: unknown): ApiClientError {
  const status = body as StatusLike | undefined;
  const message =
    typeof status?.message === 'string' ? status.message : `the API server answered HTTP ${httpStatus}`;
  return new ApiClientError('AUTOMESH_ERR_CLIENT_STATUS', message, {
    httpStatus,
    ...(status && typeof status.message === 'string' ? { status } : {}),
  });
}
