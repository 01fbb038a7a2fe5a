// Contract suites for the ports core defines, as vitest suites: a store
// implementation (memory, Redis, yours) runs them unchanged.
export {
  describeSessionStoreContract,
  type SessionStoreContractSetup,
} from './session-store-contract.js';
