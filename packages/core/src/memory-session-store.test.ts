import { describe, expect, it } from 'vitest';
import { describeSessionStoreContract } from './contract-tests/index.js';
import { createMemorySessionStore } from './memory-session-store.js';

describeSessionStoreContract('memory session store', { create: () => createMemorySessionStore() });

describe('createMemorySessionStore', () => {
  it('forgets the oldest runs of a session beyond maxRunsPerSession, never the active one', async () => {
    const store = createMemorySessionStore({ maxRunsPerSession: 2 });
    await store.createSession({ sessionId: 's', createdAt: 1, lastActiveAt: 1 });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const runId = `r${i}`;
      ids.push(runId);
      expect(
        await store.beginRun({
          runId,
          sessionId: 's',
          message: 'm',
          state: 'running',
          startedAt: i,
        }),
      ).toBe('ok');
      if (i < 3)
        await store.endRun(runId, {
          state: 'completed',
          endedAt: i,
          usage: {
            input_tokens: 0,
            output_tokens: 0,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
          },
          costUsd: 0,
          history: [],
        });
    }
    expect((await store.listRuns('s')).map((r) => r.runId)).toEqual(['r2', 'r3']);
    expect(await store.getRun('r0')).toBeUndefined();
    expect((await store.getSession('s'))?.activeRunId).toBe('r3');
    expect(store.size).toBe(1);
  });

  it('refuses a bad maxRunsPerSession', () => {
    expect(() => createMemorySessionStore({ maxRunsPerSession: 0 })).toThrow(/maxRunsPerSession/);
  });
});
