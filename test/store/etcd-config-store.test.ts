// The etcd store on one member: the compliance suite, plus what only etcd has.
import { withEtcd } from './etcd-store-harness.js';

withEtcd(1);
