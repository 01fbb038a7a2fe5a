export { gatewayApp, type GatewayAppOptions } from './hono-app.js';
