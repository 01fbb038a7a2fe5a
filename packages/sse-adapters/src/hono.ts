export {
  streamEvents,
  type HonoContextLike,
  type StreamEventsOptions,
} from './hono-stream-events.js';
