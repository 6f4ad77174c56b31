// Label-selector matching is Kubernetes meaning and lives in the api module; policy code imports it
// from here so its own modules keep one local name for it.
export { hasSelector, labelsMatch, serviceSelects } from '../api/index.js';
