export { createExpressDemoApp, startExpressDemo } from './express-demo.js';
