// Hosts that join the mesh: join tokens and the node credentials they are traded for.
export {
  JoinTokenRegistry,
  DEFAULT_JOIN_TOKEN_TTL_SECONDS,
  MAX_JOIN_TOKEN_TTL_SECONDS,
  JOIN_TOKEN_PATTERN,
  JOIN_TOKENS_FILE,
  type IssuedJoinToken,
} from './join-tokens.js';
export { NodeCredentialIssuer, isNodeName } from './node-credentials.js';
export { nodeJoinService } from './node-join-service.js';
