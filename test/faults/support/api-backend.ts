// A RuntimeBackend over the API server (the runtime in one process, the control plane in another),
// so that the control plane can be killed while the runtime and its pods go on. Watches come back
// by themselves when the API server does.
import type { Resource, ResourceKind } from '../../../src/api/index.js';
import { ApiClient, ApiClientError } from '../../../src/controlplane/index.js';
import type { BackendWatchEvent, RuntimeBackend } from '../../../src/runtime/index.js';

const REWATCH_MS = 300;

export interface ApiBackend extends RuntimeBackend {
  /** Watch streams (re)opened so far, per kind. */
  watchStarts: Map<string, number>;
}

export async function apiBackend(stateDir: string): Promise<ApiBackend> {
  const client = await ApiClient.fromStateDir(stateDir);
  const watchStarts = new Map<string, number>();
  const watchKind = (kind: ResourceKind, onEvent: (e: BackendWatchEvent) => void): (() => void) => {
    let stopped = false;
    let stopCurrent = (): void => undefined;
    let timer: NodeJS.Timeout | undefined;
    const open = (): void => {
      if (stopped) return;
      watchStarts.set(kind, (watchStarts.get(kind) ?? 0) + 1);
      const handle = client.watch(kind, {}, (event) => {
        if (event.type !== 'ERROR') onEvent({ type: event.type, object: event.object });
      });
      stopCurrent = () => handle.stop();
      const again = (): void => {
        if (!stopped) timer = setTimeout(open, REWATCH_MS);
      };
      // the API server went away or ended the stream: watch again once it is back
      handle.done.then(again, again);
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(timer);
      stopCurrent();
    };
  };
  return {
    watchStarts,
    list: async (kind, options = {}) => client.list(kind, options),
    get: async (kind, namespace, name) =>
      client.find(kind, name, namespace === undefined ? {} : { namespace }),
    create: async (resource: Resource) => client.create(resource),
    update: async (resource: Resource) => client.update(resource),
    delete: async (kind, namespace, name) => {
      try {
        return await client.delete(kind, name, namespace === undefined ? {} : { namespace });
      } catch (err) {
        if (err instanceof ApiClientError && err.notFound) return undefined;
        throw err;
      }
    },
    watch: (options, onEvent) => {
      const stops = (options.kinds ?? []).map((kind) => watchKind(kind, onEvent));
      return () => stops.forEach((stop) => stop());
    },
  };
}
