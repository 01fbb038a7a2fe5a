import { describeApprovalStoreContract } from './contract-tests/index.js';
import { createMemoryApprovalStore } from './memory-approval-store.js';

describeApprovalStoreContract('memory approval store', {
  create: () => createMemoryApprovalStore(),
});
