import { MemoryConfigStore } from '../../src/store/index.js';
import { runConfigStoreCompliance } from './compliance.js';

runConfigStoreCompliance('memory', (options) => {
  const store = new MemoryConfigStore({ ...options });
  return Promise.resolve({ store, dispose: () => store.close() });
});
