import { describeEventStoreContract } from './contract-tests/index.js';
import { createMemoryEventStore, type MemoryEventStore } from './memory-event-store.js';

describeEventStoreContract('memory event store', {
  create: ({ maxEntries }) => createMemoryEventStore({ maxEntries }),
  dispose: (store) => (store as MemoryEventStore).dispose(),
});
