// Whether a pod is still the one a credential was issued to, read from the store: it exists with
// that UID (a pod re-created under the same name is another pod), is not being deleted, and runs
// as that service account. Deleting a namespace deletes its pods, so it answers that case too.

import type { Pod } from '../../api/index.js';
import { workloadFromPod } from '../../policy/index.js';
import type { ConfigStore } from '../../store/index.js';
import type { IsPodCurrent } from './authenticate-caller.js';

export function storePodCheck(store: Pick<ConfigStore, 'get'>): IsPodCurrent {
  return async (namespace, pod, podUid, serviceAccount) => {
    const found = (await store.get('Pod', namespace, pod)) as Pod | undefined;
    if (found === undefined || found.metadata.uid !== podUid) return false;
    if (found.metadata.deletionTimestamp !== undefined) return false;
    return workloadFromPod(found).serviceAccount === serviceAccount;
  };
}
