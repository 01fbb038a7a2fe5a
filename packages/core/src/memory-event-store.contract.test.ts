import type { EventStore } from './event-log-types.js';
import { describeEventStoreContract } from './contract-tests/index.js';
import { createMemoryEventStore, type MemoryEventStore } from './memory-event-store.js';

describeEventStoreContract('memory event store', {
  create: ({ maxEntries }) => createMemoryEventStore({ maxEntries }),
  dispose: (store) => (store as MemoryEventStore).dispose(),
});

// A store of one's own without the optional delete(): the suite holds it to
// the rest of the contract.
const inner = new WeakMap<EventStore, MemoryEventStore>();
describeEventStoreContract('a store without delete()', {
  create: ({ maxEntries }) => {
    const memory = createMemoryEventStore({ maxEntries });
    const store: EventStore = {
      create: (runId, meta) => memory.create(runId, meta),
      open: (runId) => memory.open(runId),
    };
    inner.set(store, memory);
    return store;
  },
  dispose: (store) => inner.get(store)?.dispose(),
  deletes: false,
});
