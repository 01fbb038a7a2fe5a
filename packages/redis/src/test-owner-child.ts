// A child process for the owner-death test: it starts a run on the shared
// Redis, reports the run once it is inside a tool call, and waits to be killed.
import type { MockAnthropic } from '@claude-gateway/testing';
import { readUntil, startInstance } from './test-instance.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const instance = startInstance({ url: env('MODEL_URL') } as MockAnthropic, {
  redis: env('REDIS_URL'),
  prefix: env('PREFIX'),
  leaseMs: Number(env('LEASE_MS')),
});
const { sessionId } = await instance.manager.createSession();
const { runId, log } = await instance.manager.startRun(sessionId, { message: 'please wait' });
await readUntil(log, (event) => event.type === 'tool_use');
process.stdout.write(`${JSON.stringify({ runId, sessionId })}\n`);
setInterval(() => undefined, 60_000);
