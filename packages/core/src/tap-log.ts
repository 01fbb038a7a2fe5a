import type { EventLog, LogEntry, ReadBatchesOptions } from './event-log-types.js';
import type { GatewayEvent } from './events.js';

/**
 * A view of `log` whose appends also go through `append` (which decides
 * where the event lands and returns its entry); everything else reads and
 * seals `log` itself. Internal: the runner gives such views to tools (to time
 * approval waits) and to sub-agents (to mirror their events into the
 * parent's log).
 */
export function tapLog(
  log: EventLog,
  append: (event: GatewayEvent) => Promise<LogEntry>,
): EventLog {
  const view: EventLog = {
    get id() {
      return log.id;
    },
    get closed() {
      return log.closed;
    },
    get meta() {
      return log.meta;
    },
    lastSeq: () => log.lastSeq(),
    append,
    read: (options) => log.read(options),
    close: (error) => log.close(error),
  };
  const batches = log.readBatches?.bind(log);
  if (batches) view.readBatches = (options?: ReadBatchesOptions) => batches(options);
  return view;
}
