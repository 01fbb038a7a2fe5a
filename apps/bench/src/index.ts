// `pnpm bench`: event log speed and memory, each printed as a ratio against a
// floor measured in the same run on the same machine (never an absolute time).
import { createEventLog, type GatewayEvent, type LogEntry } from '@claude-gateway/core';
import { medianMs, report, retainedBytes } from './measure.js';

const N = 100_000;
const READERS = 10;
const events: GatewayEvent[] = Array.from({ length: N }, (_, i) => ({
  type: 'text_delta',
  text: `token ${i}`,
}));

// Floor: the least any log must do — store each event with a seq and a
// timestamp in an array, and let each reader walk it.
async function floorAppendRead(): Promise<void> {
  const entries: LogEntry[] = [];
  for (const event of events)
    entries.push({ seq: entries.length + 1, timestamp: Date.now(), event });
  for (let r = 0; r < READERS; r++) {
    let count = 0;
    for (const entry of entries) count += entry.seq > 0 ? 1 : 0;
    if (count !== N) throw new Error('floor miscounted');
  }
  await Promise.resolve();
}

async function eventLogAppendRead(): Promise<void> {
  const log = createEventLog({ maxEntries: N + 10 });
  const readers = Array.from({ length: READERS }, async () => {
    let count = 0;
    for await (const entry of log.read()) if (entry.event.type === 'text_delta') count++;
    if (count !== N) throw new Error(`reader saw ${count}`);
  });
  for (const event of events) await log.append(event);
  await log.close();
  await Promise.all(readers);
}

async function eventLogReplay(): Promise<void> {
  const log = createEventLog({ maxEntries: N + 10 });
  for (const event of events) await log.append(event);
  await log.close();
  let count = 0;
  for await (const _ of log.read({ afterSeq: N / 2 })) count++;
  if (count !== N / 2 + 1) throw new Error(`replay saw ${count}`);
}

async function floorReplay(): Promise<void> {
  const entries: LogEntry[] = [];
  for (const event of events)
    entries.push({ seq: entries.length + 1, timestamp: Date.now(), event });
  let count = 0;
  for (const entry of entries.slice(N / 2)) count += entry.seq > 0 ? 1 : 0;
  await Promise.resolve();
  if (count !== N / 2) throw new Error('floor miscounted');
}

console.log(`claude-gateway benchmarks (node ${process.version})\n`);
let ok = true;
{
  const floor = await medianMs(floorAppendRead);
  const value = await medianMs(eventLogAppendRead);
  ok = report(`append ${N / 1000}k + ${READERS} live readers`, value, floor, 'ms', 60) && ok;
}
{
  const floor = await medianMs(floorReplay);
  const value = await medianMs(eventLogReplay);
  ok = report(`append ${N / 1000}k, replay from the middle`, value, floor, 'ms', 40) && ok;
}
{
  // Memory: 10,000 idle logs against 10,000 empty arrays with an id each.
  const count = 10_000;
  const floor = retainedBytes(() =>
    Array.from({ length: count }, (_, i) => ({ id: `run-${i}`, entries: [] as LogEntry[] })),
  );
  const value = retainedBytes(() =>
    Array.from({ length: count }, (_, i) => createEventLog({ id: `run-${i}` })),
  );
  ok = report('memory of 10,000 idle logs', value / count, floor / count, 'B/log', 10) && ok;
}
{
  // Memory: a log holding 10k entries against an array holding the same entries.
  const floor = retainedBytes(() => {
    const entries: LogEntry[] = [];
    for (let i = 0; i < 10_000; i++)
      entries.push({
        seq: i + 1,
        timestamp: Date.now(),
        event: { type: 'text_delta', text: `t${i}` },
      });
    return entries;
  });
  const value = retainedBytes(() => {
    const log = createEventLog({ maxEntries: 20_000 });
    for (let i = 0; i < 10_000; i++) void log.append({ type: 'text_delta', text: `t${i}` });
    return log;
  });
  ok = report('memory of a 10k-entry log', value / 10_000, floor / 10_000, 'B/ent', 1.5) && ok;
}
{
  // Retention: 200k appends into a 1k-entry log must hold ~1k entries.
  const value = retainedBytes(() => {
    const log = createEventLog({ maxEntries: 1000 });
    for (let i = 0; i < 200_000; i++) void log.append({ type: 'text_delta', text: `t${i}` });
    return log;
  });
  const floor = retainedBytes(() => {
    const entries: LogEntry[] = [];
    for (let i = 0; i < 1000; i++)
      entries.push({
        seq: i + 1,
        timestamp: Date.now(),
        event: { type: 'text_delta', text: `t${i}` },
      });
    return entries;
  });
  ok = report('memory after 200k appends, maxEntries 1k', value, floor, 'B', 1.5) && ok;
}
console.log(ok ? '\nall within target' : '\nsome benchmarks are over target');
process.exitCode = ok ? 0 : 1;
