// The etcd store on a three-member cluster, its client given every member: the compliance suite.
import { withEtcd } from './etcd-store-harness.js';

withEtcd(3);
