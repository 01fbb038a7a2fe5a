// Contract suites for the ports dispatch defines, as vitest suites: a store
// implementation (memory, Redis, yours) runs them unchanged.
export {
  describeApprovalStoreContract,
  type ApprovalStoreContractSetup,
} from './approval-store-contract.js';
