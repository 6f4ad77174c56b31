// Which container of a pod a log or exec request means: the one named, or the only one (kubectl
// names it itself when there are several). kube-apiserver's wording, since kubectl prints it.

import type { Pod } from '../../api/index.js';
import { ApiError } from './api-error.js';

export function containerOf(pod: Pod, asked: string | null): string {
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  if (asked === null || asked === '') {
    if (names.length === 1) return names[0] as string;
    throw new ApiError(
      'AUTOMESH_ERR_API_BAD_REQUEST',
      `a container name must be specified for pod ${pod.metadata.name}, choose one of: [${names.join(' ')}]`,
    );
  }
  if (!names.includes(asked)) {
    throw new ApiError(
      'AUTOMESH_ERR_API_BAD_REQUEST',
      `container ${asked} is not valid for pod ${pod.metadata.name}`,
    );
  }
  return asked;
}
