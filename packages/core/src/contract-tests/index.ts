// Contract suites for the ports core defines, as vitest suites: a store
// implementation (memory, Redis, yours) runs them unchanged.
export {
  describeEventStoreContract,
  type EventStoreContractOptions,
  type EventStoreContractSetup,
} from './event-store-contract.js';
export {
  describeSessionStoreContract,
  type SessionStoreContractSetup,
} from './session-store-contract.js';
