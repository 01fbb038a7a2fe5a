// Scenario 10: the Redis event store (@claude-gateway/redis) against the
// memory store, as ratios. Both run in this process against a private
// redis-server (free port, temporary directory): no HTTP, only the store.
// - throughput: one writer appends N events one at a time (awaiting each, as
//   the runner does) while one reader follows the log (readBatches when the
//   store has it, as the SSE writer does); CPU of this process, CPU of this
//   process plus redis-server's (INFO cpu), and wall time, per event. The
//   memory store gets 20,000 events (within its retention): N of them would
//   take about a millisecond, below what the clocks resolve well;
// - resume: open a closed log and read from 10 entries before its end to
//   the terminal entry, as a reconnecting client does; p50.
// Reported, never asserted. Skipped with a note when redis-server is missing.
import { randomUUID } from 'node:crypto';
import {
  createMemoryEventStore,
  type EventLog,
  type EventStore,
  type GatewayEvent,
} from '@claude-gateway/core';
import { createRedisStores } from '@claude-gateway/redis';
import { Redis } from 'ioredis';
import {
  REDIS_SERVER,
  startRedisServer,
} from '../../../../packages/redis/src/test-redis-server.js';
import { median, percentile } from '../measure.js';
import type { BenchConfig, ScenarioResult } from './types.js';

const ID = 10;
const NAME = 'event throughput and resume latency on Redis against the memory store';
const DELTA: GatewayEvent = { type: 'text_delta', text: 'a typical delta, ' };
const END: GatewayEvent = {
  type: 'stream_complete',
  stop_reason: 'end_turn',
  usage: {
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  },
  cost_usd: null,
  turns: 1,
};
/** Entries a resume reads: the last 9 deltas and the terminal entry. */
const RESUME_TAIL = 10;

type Kind = 'memory' | 'redis';

/** CPU time (µs) redis-server has used so far (user + system, all its threads). */
async function redisCpuUs(admin: Redis): Promise<number> {
  const info = await admin.info('cpu');
  const field = (name: string): number =>
    Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
}

/** Counts entries the way the SSE writer reads them, to the terminal entry. */
async function follow(log: EventLog): Promise<number> {
  let count = 0;
  if (log.readBatches) {
    for await (const batch of log.readBatches()) count += batch.length;
  } else {
    for await (const entry of log.read()) {
      void entry;
      count++;
    }
  }
  return count;
}

interface Sample {
  /** This process, µs per event. */
  nodeCpu: number;
  /** This process plus redis-server, µs per event. */
  totalCpu: number;
  /** µs per event. */
  wall: number;
}

/** One writer appends `events` (the last one terminal) while one reader follows. */
async function throughput(
  store: EventStore,
  events: number,
  serverCpu: () => Promise<number>,
): Promise<Sample> {
  const log = await store.create(`bench-${randomUUID()}`);
  const redisBefore = await serverCpu();
  const cpuBefore = process.cpuUsage();
  const t0 = performance.now();
  const reader = follow(log);
  for (let i = 1; i < events; i++) await log.append(DELTA);
  await log.append(END);
  const read = await reader;
  const wall = (performance.now() - t0) * 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const redisUs = (await serverCpu()) - redisBefore;
  if (read !== events) throw new Error(`the reader saw ${read} of ${events} events`);
  const nodeUs = cpu.user + cpu.system;
  return { nodeCpu: nodeUs / events, totalCpu: (nodeUs + redisUs) / events, wall: wall / events };
}

/** A closed log of `size` entries; appends are issued in chunks (one writer, in order). */
async function closedLog(store: EventStore, size: number): Promise<string> {
  const id = `bench-resume-${randomUUID()}`;
  const log = await store.create(id);
  const chunk = 500;
  for (let done = 1; done < size; done += chunk) {
    const n = Math.min(chunk, size - done);
    await Promise.all(Array.from({ length: n }, () => log.append(DELTA)));
  }
  await log.append(END);
  return id;
}

/** p50 (ms) of open + read from `size - RESUME_TAIL` to the end, after warm-ups. */
async function resumeP50(store: EventStore, id: string, size: number, requests: number) {
  const one = async (): Promise<number> => {
    const t0 = performance.now();
    const log = await store.open(id);
    if (!log) throw new Error(`log ${id} is gone`);
    let last = 0;
    for await (const entry of log.read({ afterSeq: size - RESUME_TAIL })) last = entry.seq;
    const ms = performance.now() - t0;
    if (last !== size) throw new Error(`resume ended at ${last}, expected ${size}`);
    return ms;
  };
  for (let i = 0; i < 20; i++) await one();
  const times: number[] = [];
  for (let i = 0; i < requests; i++) times.push(await one());
  return percentile(times, 50);
}

function skipped(note: string): ScenarioResult {
  console.log(`\n${ID}. ${NAME}: skipped (${note})`);
  return { id: ID, name: NAME, measurements: { skipped: note }, targets: [], note };
}

/**
 * Scenario 10: Redis / memory ratios of append throughput (one reader
 * following) and of resume latency near the end of a closed log.
 */
export async function redisStores(config: BenchConfig): Promise<ScenarioResult> {
  if (!REDIS_SERVER) return skipped('redis-server is not installed (apt-get install redis-server)');
  const events = config.quick ? 2_000 : 10_000;
  const count: Record<Kind, number> = { memory: 20_000, redis: events };
  const size = config.quick ? 10_000 : 50_000;
  const requests = config.quick ? 200 : 500;

  const server = await startRedisServer();
  const admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
  const redis = createRedisStores({ redis: server.url, prefix: `bench-${randomUUID()}:` });
  const memory = createMemoryEventStore();
  const stores: Record<Kind, EventStore> = { memory, redis: redis.events };
  const serverCpu: Record<Kind, () => Promise<number>> = {
    memory: () => Promise.resolve(0),
    redis: () => redisCpuUs(admin),
  };
  try {
    // Interleaved rounds after warm-ups, so a change in load hits both alike.
    const samples: Record<Kind, Sample[]> = { memory: [], redis: [] };
    const kinds: Kind[] = ['memory', 'redis'];
    const measure = (kind: Kind) => throughput(stores[kind], count[kind], serverCpu[kind]);
    for (let i = 0; i < config.warmups; i++) for (const kind of kinds) await measure(kind);
    for (let round = 0; round < config.rounds; round++) {
      for (const kind of kinds) samples[kind].push(await measure(kind));
    }
    const med = (kind: Kind, key: keyof Sample) => median(samples[kind].map((s) => s[key]));
    const ratio = (key: keyof Sample) => med('redis', key) / med('memory', key);

    const resume: Record<Kind, number> = { memory: 0, redis: 0 };
    for (const kind of kinds) {
      const id = await closedLog(stores[kind], size);
      resume[kind] = await resumeP50(stores[kind], id, size, requests);
    }
    const resumeRatio = resume.redis / resume.memory;

    const report = (metric: string, value: number, unit?: string) => ({
      metric,
      value,
      target: 'reported',
      pass: true,
      ...(unit !== undefined && { unit }),
    });
    return {
      id: ID,
      name: `${NAME} (${events.toLocaleString('en')} events on Redis; resume in ${size.toLocaleString('en')})`,
      measurements: {
        events_memory: count.memory,
        events_redis: count.redis,
        resume_log_size: size,
        resume_requests: requests,
        memory_node_cpu_us_per_event: med('memory', 'nodeCpu'),
        redis_node_cpu_us_per_event: med('redis', 'nodeCpu'),
        redis_total_cpu_us_per_event: med('redis', 'totalCpu'),
        memory_wall_us_per_event: med('memory', 'wall'),
        redis_wall_us_per_event: med('redis', 'wall'),
        memory_samples_node_cpu_us: samples.memory.map((s) => s.nodeCpu),
        redis_samples_node_cpu_us: samples.redis.map((s) => s.nodeCpu),
        redis_samples_total_cpu_us: samples.redis.map((s) => s.totalCpu),
        ratio_node_cpu: ratio('nodeCpu'),
        ratio_total_cpu: ratio('totalCpu'),
        ratio_wall: ratio('wall'),
        memory_resume_p50_ms: resume.memory,
        redis_resume_p50_ms: resume.redis,
        ratio_resume_p50: resumeRatio,
      },
      targets: [
        report('redis / memory: CPU per event, this process', ratio('nodeCpu')),
        report('redis / memory: CPU per event, + redis-server', ratio('totalCpu')),
        report('redis / memory: wall time per event', ratio('wall')),
        report('redis: wall time per event', med('redis', 'wall'), 'µs'),
        report('redis / memory: resume p50', resumeRatio),
        report('redis: resume p50 (open + last 10 entries)', resume.redis, 'ms'),
      ],
      note:
        'Redis vs memory in one process, one writer awaiting each append and one reader; ' +
        'ratios for scale, no target (a Redis append is a network round trip, a memory append is not).',
    };
  } finally {
    memory.dispose();
    await redis.close();
    admin.disconnect();
    await server.stop();
  }
}
