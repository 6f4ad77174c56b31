// A boolean query parameter read as kube-apiserver reads one (Go's strconv.ParseBool): `true`,
// `True`, `TRUE`, `t`, `T` and `1` are true. Clients spell it differently: kubectl sends `true`,
// python3-kubernetes sends `True` (Python's str(True)).

const TRUE = new Set(['1', 't', 'T', 'true', 'True', 'TRUE']);

export function queryFlag(params: URLSearchParams, name: string): boolean {
  const value = params.get(name);
  return value !== null && TRUE.has(value);
}
