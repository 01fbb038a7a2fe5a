import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAgentRunner } from './agent-runner.js';
import { createEventLog } from './memory-event-log.js';
import {
  closeMocks,
  localTools,
  runnerFor,
  silentLogger,
  startMock,
} from './runner-test-helpers.js';

afterEach(async () => {
  vi.restoreAllMocks();
  await closeMocks();
});

// The SDK lists this model as deprecated and console.warns on every request naming it.
const DEPRECATED = 'claude-sonnet-4-5';
const hi = [{ role: 'user' as const, content: 'Hi' }];

/** Two model turns (a tool call, then text), so the SDK warns twice. */
async function twoTurnMock() {
  return startMock([
    { blocks: [{ type: 'tool_use', id: 'toolu_1', name: 'echo', input: { value: 'a' } }] },
    { blocks: [{ type: 'text', text: 'done' }] },
  ]);
}

describe("agent runner: the SDK's own warnings", () => {
  it("sends a deprecated model's warning to the runner's logger, once, and never to the console", async () => {
    const mock = await twoTurnMock();
    const consoleWarn = vi.spyOn(console, 'warn');
    const logger = silentLogger();
    const tools = localTools({ echo: (input) => input });
    const result = await runnerFor(mock, { model: DEPRECATED, tools, logger }).run({
      messages: hi,
      log: createEventLog(),
    });
    expect(result.error).toBeUndefined();
    expect(mock.requests).toHaveLength(2);
    expect(consoleWarn).not.toHaveBeenCalled();
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]!.message).toMatch(
      /^@anthropic-ai\/sdk: The model 'claude-sonnet-4-5' is deprecated/,
    );
    // The swap lasts only for the SDK call: console.warn is the spy again.
    expect(console.warn).toBe(consoleWarn);
  });

  it('does the same for a ready client of the caller', async () => {
    const mock = await twoTurnMock();
    const consoleWarn = vi.spyOn(console, 'warn');
    const logger = silentLogger();
    const result = await createAgentRunner({
      client: new Anthropic({ baseURL: mock.url, apiKey: 'k' }),
      model: DEPRECATED,
      tools: localTools({ echo: (input) => input }),
      logger,
    }).run({ messages: hi, log: createEventLog() });
    expect(result.error).toBeUndefined();
    expect(consoleWarn).not.toHaveBeenCalled();
    expect(logger.warnings.map((w) => w.message)).toEqual([
      expect.stringContaining(`The model '${DEPRECATED}' is deprecated`),
    ]);
  });

  it('with the default logger, the warning reaches the console once, through consoleLogger', async () => {
    const mock = await twoTurnMock();
    const consoleWarn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const result = await createAgentRunner({
      apiKey: 'k',
      baseURL: mock.url,
      model: DEPRECATED,
      tools: localTools({ echo: (input) => input }),
    }).run({ messages: hi, log: createEventLog() });
    expect(result.error).toBeUndefined();
    expect(consoleWarn).toHaveBeenCalledTimes(1);
    expect(consoleWarn.mock.calls[0]).toEqual([
      expect.stringMatching(/^@anthropic-ai\/sdk: The model 'claude-sonnet-4-5' is deprecated/),
    ]);
  });

  it('leaves the console alone for a current model', async () => {
    const mock = await twoTurnMock();
    const consoleWarn = vi.spyOn(console, 'warn');
    const logger = silentLogger();
    await runnerFor(mock, { tools: localTools({ echo: (input) => input }), logger }).run({
      messages: hi,
      log: createEventLog(),
    });
    expect(consoleWarn).not.toHaveBeenCalled();
    expect(logger.warnings).toEqual([]);
  });

  it('puts console.warn back when the call throws, and still reports what it caught', async () => {
    const original = console.warn;
    const mock = await startMock([]);
    const client = new Anthropic({ apiKey: 'k', baseURL: mock.url, maxRetries: 0 });
    vi.spyOn(client.messages, 'create').mockImplementation(() => {
      console.warn('about to fail');
      throw new Error('create blew up');
    });
    const logger = silentLogger();
    const log = createEventLog();
    const result = await createAgentRunner({ client, model: 'claude-haiku-4-5', logger }).run({
      messages: hi,
      log,
    });
    expect(console.warn).toBe(original);
    expect(result.error).toEqual({ code: 'internal', message: 'create blew up' });
    expect(logger.warnings.map((w) => w.message)).toEqual(['@anthropic-ai/sdk: about to fail']);
  });
});
