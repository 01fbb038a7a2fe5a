export { drained, type DrainableResponse } from './drained.js';
export { nodeLastEventId, type NodeRequest } from './node-last-event-id.js';
export {
  writeErrorResponse,
  writeSSE,
  type NodeResponse,
  type WriteSSEOptions,
} from './write-sse.js';
