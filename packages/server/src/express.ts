export { gatewayRouter, type GatewayRouterOptions } from './express-router.js';
