export { sseHandler, type SSEHandlerOptions } from './express-handler.js';
