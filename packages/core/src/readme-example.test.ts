import { readFileSync } from 'node:fs';
import { startMockAnthropic, type MockAnthropic } from '@claude-gateway/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createAgentRunner,
  createEventLog,
  type GatewayEvent,
  type ToolExecutor,
} from './index.js';

let mock: MockAnthropic | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

describe('README quick start', () => {
  it('runs against the scripted server (the demo model)', async () => {
    mock = await startMockAnthropic(); // the default script is the demo model
    const printed: [number, GatewayEvent][] = [];
    const print = (seq: number, event: GatewayEvent) => printed.push([seq, event]);

    // ---- the README code, with `baseURL` added and console.log → print ----
    const tools: ToolExecutor = {
      definitions: () => [
        {
          name: 'greet',
          description: 'Greet someone',
          input_schema: { type: 'object', properties: { name: { type: 'string' } } },
        },
      ],
      async execute(call) {
        if (call.name !== 'greet') return { error: { code: 'unknown_tool', message: call.name } };
        const { name = 'world' } = call.input as { name?: string };
        return { result: `Hello from ${name}` };
      },
    };

    const log = createEventLog({ meta: { sessionId: 'session-001' } });

    const runner = createAgentRunner({
      apiKey: 'test',
      baseURL: mock.url,
      model: 'claude-sonnet-4-6',
      tools,
    });

    const done = runner.run({
      messages: [{ role: 'user', content: 'Say hello with the greet tool' }],
      system: 'You are a helpful assistant.',
      log,
    });

    for await (const { seq, event } of log.read()) print(seq, event);

    const { messages, usage, costUsd, error } = await done;
    // ---- end of the README code ----

    expect(error).toBeUndefined();
    const types = printed.map(([, event]) => event.type);
    expect(types[0]).toBe('run_start');
    expect(types).toContain('tool_use');
    expect(types.at(-1)).toBe('stream_complete');
    expect(printed.map(([seq]) => seq)).toEqual(printed.map((_, i) => i + 1));
    const result = printed.find(([, event]) => event.type === 'tool_result')![1];
    expect(result).toMatchObject({ name: 'greet', source: 'local' });
    expect(String((result as { result?: unknown }).result)).toMatch(/^Hello from /);
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(usage.output_tokens).toBeGreaterThan(0);
    expect(costUsd).toBeGreaterThan(0);
  });

  it('matches the code in README.md', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const line of [
      "if (call.name !== 'greet') return { error: { code: 'unknown_tool', message: call.name } };",
      'return { result: `Hello from ${name}` };',
      "const log = createEventLog({ meta: { sessionId: 'session-001' } });",
      "model: 'claude-sonnet-4-6',",
      "messages: [{ role: 'user', content: 'Say hello with the greet tool' }],",
      'for await (const { seq, event } of log.read()) console.log(seq, event);',
      'const { messages, usage, costUsd, error } = await done; // persist `messages`',
    ]) {
      expect(readme).toContain(line);
    }
  });
});
