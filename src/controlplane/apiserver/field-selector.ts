// Field selectors as kube-apiserver answers them for every kind: `metadata.name` and
// `metadata.namespace`, with `=`, `==` and `!=`, requirements joined by commas. kubectl depends on
// them: `delete --wait`, `wait --for` and `get NAME -w` list and watch with
// `fieldSelector=metadata.name=NAME`, and a server that ignored it would make kubectl believe an
// object is gone (or there) while another one is. Any other field is refused, as Kubernetes does.
// Pure.

import type { Resource } from '../../api/index.js';
import { ApiError } from './api-error.js';

const FIELDS = ['metadata.name', 'metadata.namespace'] as const;
type Field = (typeof FIELDS)[number];

export interface FieldRequirement {
  field: Field;
  equals: boolean;
  value: string;
}

function isField(value: string): value is Field {
  return (FIELDS as readonly string[]).includes(value);
}

/** Parses `metadata.name=web,metadata.namespace!=x`; '' or null selects everything. */
export function parseFieldSelector(text: string | null): FieldRequirement[] {
  if (text === null || text.trim() === '') return [];
  return text.split(',').map((term) => {
    const match = /^\s*([^!=\s]+)\s*(==|=|!=)\s*([^\s]*)\s*$/.exec(term);
    if (!match) {
      throw new ApiError(
        'AUTOMESH_ERR_API_BAD_REQUEST',
        `invalid field selector "${text}": cannot parse "${term}"`,
      );
    }
    const [, field = '', op, value = ''] = match;
    if (!isField(field)) {
      throw new ApiError(
        'AUTOMESH_ERR_API_BAD_REQUEST',
        `field label not supported: ${field} (supported: ${FIELDS.join(', ')})`,
      );
    }
    return { field, equals: op !== '!=', value };
  });
}

function fieldValue(object: Resource, field: Field): string {
  return field === 'metadata.name' ? object.metadata.name : (object.metadata.namespace ?? '');
}

export function matchesFields(object: Resource, requirements: readonly FieldRequirement[]): boolean {
  return requirements.every((r) => (fieldValue(object, r.field) === r.value) === r.equals);
}
