// The API server's NodeJoin from the state directory's join tokens and node credential key, and
// the cluster info the composition root fills in once every server listens.

import { caCertHash } from '../../identity/index.js';
import type { ClusterInfo, NodeJoin } from '../apiserver/index.js';
import { JoinTokenRegistry } from './join-tokens.js';
import { NodeCredentialIssuer, isNodeName } from './node-credentials.js';

export interface NodeJoinService extends NodeJoin {
  credentials: NodeCredentialIssuer;
  setClusterInfo(info: ClusterInfo): void;
}

/** `clusterKey`: the cluster's pod-token key, from which node credentials are signed. */
export function nodeJoinService(stateDir: string, clusterKey: Buffer): NodeJoinService {
  const tokens = new JoinTokenRegistry(stateDir);
  const credentials = NodeCredentialIssuer.fromClusterKey(clusterKey);
  let info: ClusterInfo | undefined;
  return {
    credentials,
    setClusterInfo: (next) => (info = next),
    clusterInfo: () => info,
    caCertHash: () => {
      if (info === undefined) throw new Error('cluster info is not set yet');
      return caCertHash(info.rootCertPem);
    },
    createJoinToken: (ttl) => tokens.create(ttl),
    isValidJoinToken: (token) => tokens.isValid(token),
    mintNodeCredential: (name) => credentials.mint(name),
    isNodeName,
  };
}
