export { createGatewayHandler } from './gateway-handler.js';
export { DEFAULT_BASE_PATH } from './routes.js';
export type {
  AuthResult,
  CustomAuthOptions,
  GatewayAuth,
  GatewayHandler,
  GatewayHandlerOptions,
  JwtAuthOptions,
} from './gateway-handler-types.js';
export {
  DECIDE_STATUS,
  ERROR_STATUS,
  HTTP_ERROR_CODES,
  isHttpErrorCode,
  type HttpErrorCode,
} from './error-codes.js';
export { DEFAULT_TOKEN_TTL_SEC } from './auth.js';
export { DEFAULT_MAX_BODY_BYTES, DISCARD_LIMIT_BYTES } from './read-body.js';
export type { CreatedSessionJson, RunJson, SessionJson, SessionRunJson } from './json-shapes.js';
