export { toNodeListener, type NodeListenerOptions } from './node-listener.js';
export { toWebRequest, type NodeRequest, type WebRequest } from './node-request.js';
