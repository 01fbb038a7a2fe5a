// The event log in one screen: a run writes, readers follow, one resumes.
import { createMemoryEventStore, type GatewayEvent, type LogEntry } from '@claude-gateway/core';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const show = (who: string, { seq, event }: LogEntry) =>
  console.log(`${who.padEnd(9)} #${String(seq).padStart(2)} ${JSON.stringify(event)}`);

const store = createMemoryEventStore({ maxEntries: 1000 });
const log = await store.create('run-demo', { sessionId: 'session-001' });

const script: GatewayEvent[] = [
  { type: 'run_start', run_id: log.id, session_id: 'session-001', model: 'claude-sonnet-4-5' },
  { type: 'thinking_delta', text: 'The user wants a greeting.' },
  { type: 'text_delta', text: 'Hello' },
  { type: 'text_delta', text: ', world!' },
  {
    type: 'stream_complete',
    stop_reason: 'end_turn',
    usage: {
      input_tokens: 12,
      output_tokens: 9,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
    cost_usd: 0.000171,
    turns: 1,
  },
];

async function follow(who: string, afterSeq: number, stopAt?: number) {
  const reopened = await store.open(log.id); // any reader finds the run by id
  for await (const entry of reopened!.read({ afterSeq })) {
    show(who, entry);
    if (entry.seq === stopAt) {
      console.log(`${who.padEnd(9)} (disconnects; the run goes on)`);
      break;
    }
  }
}

const readers = [follow('browser', 0), follow('leaver', 0, 2)];
for (const [i, event] of script.entries()) {
  await log.append(event);
  if (i === 3) readers.push(follow('resumer', 3)); // joins late, resumes after seq 3
  await sleep(150);
}
await Promise.all(readers);
console.log(`\nlog closed: ${log.closed}, last seq: ${log.lastSeq()}`);
store.dispose();
