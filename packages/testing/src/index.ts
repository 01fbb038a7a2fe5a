export { startMockAnthropic } from './mock-server.js';
export { createDemoModel } from './demo-model.js';
export type { DemoModelOptions } from './demo-model.js';
export {
  textTurn,
  thinkingTurn,
  toolUseTurn,
  errorTurn,
  rateLimitTurn,
  overloadedTurn,
  midStreamErrorTurn,
  stallTurn,
  dropTurn,
  refusalTurn,
  pauseTurn,
  maxTokensInToolUseTurn,
  contextWindowExceededTurn,
  promptTooLongTurn,
  requestTooLargeTurn,
} from './turns.js';
export type { TurnOptions } from './turns.js';
export { validateMessagesRequest } from './validate-request.js';
export type { ValidateOptions } from './validate-request.js';
export { inputFromSchema } from './schema-input.js';
export { seededRandom } from './seeded-random.js';
export type {
  MockBlock,
  MockFault,
  MockTurn,
  MockRequestInfo,
  Script,
  RecordedRequest,
  MockAnthropicOptions,
  MockAnthropic,
  MockLogger,
} from './types.js';
