import { GatewayError } from '@claude-gateway/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApprovalBroker } from './approval-broker.js';
import { defineTool, type ToolHandlerContext } from './define-tool.js';
import {
  call,
  echo,
  eventsOf,
  fakeSource,
  makeContext,
  objectSchema,
  recordingLogger,
} from './test-helpers.js';
import { createToolDispatcher, DEFAULT_LIST_TIMEOUT_MS } from './tool-dispatcher.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('createToolDispatcher: definitions', () => {
  it('lists local tools, then every source; a local tool hides a source tool, warned once', async () => {
    const logger = recordingLogger();
    const one = fakeSource('one', [
      { name: 'echo', description: 'remote echo', input_schema: objectSchema('text') },
      { name: 'search', description: 'Searches', input_schema: objectSchema('q') },
    ]);
    const two = fakeSource('two', [
      { name: 'search', description: 'another search', input_schema: objectSchema('q') },
      { name: 'fetch', description: 'Fetches', input_schema: objectSchema('url') },
    ]);
    const dispatcher = createToolDispatcher({ tools: [echo], sources: [one, two], logger });
    const names = async () => (await dispatcher.definitions()).map((d) => [d.name, d.description]);
    expect(await names()).toEqual([
      ['echo', 'Echoes its text'],
      ['search', 'Searches'],
      ['fetch', 'Fetches'],
    ]);
    const [local] = await dispatcher.definitions();
    expect(local).toEqual({
      name: 'echo',
      description: 'Echoes its text',
      input_schema: objectSchema('text'),
    });
    await names();
    expect(logger.warnings).toHaveLength(2);
    expect(logger.warnings.join('\n')).toMatch(/local tool "echo" hides/);
    expect(logger.warnings.join('\n')).toMatch(/"search"/);
  });

  it('hands out a fresh list each time: a caller that changes one does not change the next', async () => {
    const dispatcher = createToolDispatcher({ tools: [echo] });
    const first = await dispatcher.definitions();
    first[0]!.description = 'changed';
    first.push({ name: 'injected', description: '', input_schema: objectSchema() });
    first.splice(0, 1);
    expect((await dispatcher.definitions()).map((d) => [d.name, d.description])).toEqual([
      ['echo', 'Echoes its text'],
    ]);
  });

  it('keeps a source’s last list when it fails to list, and says so', async () => {
    const logger = recordingLogger();
    const source = fakeSource('one', [
      { name: 'search', description: 'Searches', input_schema: objectSchema('q') },
    ]);
    const dispatcher = createToolDispatcher({ sources: [source], logger });
    expect(await dispatcher.definitions()).toHaveLength(1);
    source.listTools = () => Promise.reject(new Error('server down'));
    expect((await dispatcher.definitions()).map((d) => d.name)).toEqual(['search']);
    expect(logger.warnings).toHaveLength(1);
  });

  it('refuses duplicate local names and bad timeouts', () => {
    expect(() => createToolDispatcher({ tools: [echo, echo] })).toThrow(/two local tools/);
    expect(() => createToolDispatcher({ timeoutMs: 0 })).toThrow(GatewayError);
    expect(() => createToolDispatcher({ sourceTimeoutMs: Infinity })).toThrow(GatewayError);
    expect(() => createToolDispatcher({ listTimeoutMs: 0 })).toThrow(GatewayError);
    for (const source of [{}, null, { listTools: () => Promise.resolve([]) }]) {
      expect(() => createToolDispatcher({ sources: [source as never] })).toThrow(
        /sources\[0\] must be a ToolSource/,
      );
    }
  });

  it('bounds a hanging listTools by listTimeoutMs: last list, a warning, and no second wait', async () => {
    vi.useFakeTimers();
    const logger = recordingLogger();
    const hung = fakeSource('hung', [
      { name: 'search', description: '', input_schema: objectSchema('q') },
    ]);
    const fine = fakeSource('fine', [
      { name: 'fetch', description: '', input_schema: objectSchema('url') },
    ]);
    const dispatcher = createToolDispatcher({
      sources: [hung, fine],
      listTimeoutMs: 1_000,
      logger,
    });
    expect((await dispatcher.definitions()).map((d) => d.name)).toEqual(['search', 'fetch']);

    let answer!: (tools: typeof hung.tools) => void;
    let hang = true;
    hung.listTools = () => {
      hung.listCount += 1;
      return hang ? new Promise((resolve) => (answer = resolve)) : Promise.resolve(hung.tools);
    };
    const listed = dispatcher.definitions();
    await vi.advanceTimersByTimeAsync(999);
    expect(await Promise.race([listed, Promise.resolve('pending')])).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect((await listed).map((d) => d.name)).toEqual(['search', 'fetch']);
    expect(logger.warnings).toEqual([
      'a tool source did not list its tools within 1000 ms; using its last list',
    ]);

    // Still hung: answered from the last list at once, without asking again.
    const listCount = hung.listCount;
    expect((await dispatcher.definitions()).map((d) => d.name)).toEqual(['search', 'fetch']);
    expect(hung.listCount).toBe(listCount);
    expect(logger.warnings).toHaveLength(1);

    // Once the hung listing answers, the source is listed again.
    hang = false;
    answer([]);
    hung.tools = [{ name: 'lookup', description: '', input_schema: objectSchema('q') }];
    await vi.advanceTimersByTimeAsync(0);
    expect((await dispatcher.definitions()).map((d) => d.name)).toEqual(['lookup', 'fetch']);
  });

  it('gives a source that never listed no tools when its first listing hangs', async () => {
    vi.useFakeTimers();
    const logger = recordingLogger();
    const hung = fakeSource('hung', []);
    hung.listTools = () => new Promise(() => {});
    const fine = fakeSource('fine', [
      { name: 'fetch', description: '', input_schema: objectSchema('url') },
    ]);
    const dispatcher = createToolDispatcher({ sources: [hung, fine], logger });
    const listed = dispatcher.definitions();
    await vi.advanceTimersByTimeAsync(DEFAULT_LIST_TIMEOUT_MS);
    expect((await listed).map((d) => d.name)).toEqual(['fetch']);
    // A call to a name nobody lists is not held by the hung source either.
    expect(await dispatcher.execute(call('ghost', {}), makeContext())).toMatchObject({
      error: { code: 'unknown_tool' },
    });
  });
});

describe('createToolDispatcher: execute order', () => {
  it('runs a local handler with the validated input and the call context', async () => {
    let seen: { input: unknown; context: Omit<ToolHandlerContext, 'signal' | 'log'> } | undefined;
    const tool = defineTool<{ text: string }>({
      name: 'probe',
      description: '',
      inputSchema: objectSchema('text'),
      handler: (input, { signal, log, ...context }) => {
        expect(signal.aborted).toBe(false);
        expect(log).toBe(ctx.log);
        seen = { input, context };
        return 42;
      },
    });
    const ctx = makeContext({ sessionId: 'sess', callIndex: 3 });
    const dispatcher = createToolDispatcher({ tools: [tool] });
    expect(await dispatcher.execute(call('probe', { text: 'hi' }, 'toolu_9'), ctx)).toEqual({
      result: 42,
      source: 'local',
    });
    expect(seen).toEqual({
      input: { text: 'hi' },
      context: { toolUseId: 'toolu_9', callIndex: 3, sessionId: 'sess', runId: 'run-1' },
    });
    // The dispatcher wrote nothing: tool_use and tool_result are the runner's.
    expect(await eventsOf(ctx.log)).toEqual([]);
  });

  it('answers invalid_input with the validator message before the gate or the handler', async () => {
    const handler = vi.fn(() => 'ran');
    const needsApproval = vi.fn(() => true);
    const tool = defineTool({
      name: 't',
      description: '',
      inputSchema: objectSchema('a'),
      handler,
    });
    const dispatcher = createToolDispatcher({ tools: [tool], needsApproval });
    const ctx = makeContext();
    expect(await dispatcher.execute(call('t', {}), ctx)).toEqual({
      error: { code: 'invalid_input', message: "input must have required property 'a'" },
      source: 'local',
    });
    expect(await dispatcher.execute(call('t', { a: 1 }), ctx)).toMatchObject({
      error: { code: 'invalid_input', message: 'input/a must be string' },
    });
    expect(await dispatcher.execute(call('t', { a: 'x', b: 'y' }), ctx)).toMatchObject({
      error: { code: 'invalid_input', message: 'input must NOT have additional properties' },
    });
    expect(await dispatcher.execute(call('t', 'not an object'), ctx)).toMatchObject({
      error: { code: 'invalid_input', message: 'input must be object' },
    });
    expect(handler).not.toHaveBeenCalled();
    expect(needsApproval).not.toHaveBeenCalled();
  });

  it('gates after validation and before the handler: no broker answers approval_required', async () => {
    const handler = vi.fn(() => 'ran');
    const tool = defineTool({
      name: 't',
      description: '',
      inputSchema: objectSchema('a'),
      handler,
      needsApproval: true,
    });
    const ctx = makeContext();
    const dispatcher = createToolDispatcher({ tools: [tool] });
    expect(await dispatcher.execute(call('t', { a: 'x' }), ctx)).toMatchObject({
      error: { code: 'approval_required' },
    });
    expect(handler).not.toHaveBeenCalled();
    expect(await eventsOf(ctx.log)).toEqual([]);
  });

  it('prefers a local tool over a source tool of the same name', async () => {
    const source = fakeSource('one', [
      { name: 'echo', description: '', input_schema: objectSchema('text') },
    ]);
    const dispatcher = createToolDispatcher({
      tools: [echo],
      sources: [source],
      logger: recordingLogger(),
    });
    await dispatcher.definitions();
    expect(await dispatcher.execute(call('echo', { text: 'x' }), makeContext())).toEqual({
      result: { echoed: 'x' },
      source: 'local',
    });
    expect(source.calls).toEqual([]);
  });

  it('routes other names to the source that lists them, first source first', async () => {
    const one = fakeSource('one', [
      { name: 'search', description: '', input_schema: objectSchema('q') },
    ]);
    const two = fakeSource('two', [
      { name: 'search', description: '', input_schema: objectSchema('q') },
      { name: 'fetch', description: '', input_schema: objectSchema('url') },
    ]);
    const dispatcher = createToolDispatcher({
      sources: [one, two],
      sourceTimeoutMs: 5_000,
      logger: recordingLogger(),
    });
    const ctx = makeContext();
    expect(await dispatcher.execute(call('search', { q: 'a' }), ctx)).toEqual({
      result: { from: 'one', name: 'search', input: { q: 'a' } },
      source: 'mcp:one',
    });
    expect(await dispatcher.execute(call('fetch', { url: 'u' }), ctx)).toMatchObject({
      source: 'mcp:two',
    });
    expect(two.calls[0]?.options).toMatchObject({ timeoutMs: 5_000 });
    expect(two.calls[0]?.options?.signal).toBeInstanceOf(AbortSignal);
  });

  it('validates source tools against their listed schema', async () => {
    const source = fakeSource('one', [
      { name: 'search', description: '', input_schema: objectSchema('q') },
    ]);
    const dispatcher = createToolDispatcher({ sources: [source] });
    expect(await dispatcher.execute(call('search', { q: 7 }), makeContext())).toEqual({
      error: { code: 'invalid_input', message: 'input/q must be string' },
    });
    expect(source.calls).toEqual([]);
  });

  it('validates draft 2020-12 schemas, and passes input through when a source schema does not compile', async () => {
    const logger = recordingLogger();
    const source = fakeSource('one', [
      {
        name: 'modern',
        description: '',
        input_schema: {
          $schema: 'https://json-schema.org/draft/2020-12/schema',
          type: 'object',
          properties: { items: { type: 'array', prefixItems: [{ type: 'number' }] } },
        },
      },
      {
        name: 'odd',
        description: '',
        input_schema: { type: 'object', properties: { a: { type: 'nonsense' } } },
      },
    ]);
    const dispatcher = createToolDispatcher({ sources: [source], logger });
    const ctx = makeContext();
    expect(await dispatcher.execute(call('modern', { items: ['x'] }), ctx)).toMatchObject({
      error: { code: 'invalid_input', message: 'input/items/0 must be number' },
    });
    expect(await dispatcher.execute(call('modern', { items: [1] }), ctx)).toMatchObject({
      source: 'mcp:one',
    });
    expect(await dispatcher.execute(call('odd', { a: 1 }), ctx)).toMatchObject({
      source: 'mcp:one',
    });
    await dispatcher.execute(call('odd', { a: 2 }), ctx);
    expect(logger.warnings.filter((w) => w.includes('"odd"'))).toHaveLength(1);
  });

  it('re-lists the sources for a name it does not know before answering unknown_tool', async () => {
    const source = fakeSource('one', [
      { name: 'search', description: '', input_schema: objectSchema('q') },
    ]);
    const dispatcher = createToolDispatcher({ sources: [source] });
    await dispatcher.definitions();
    const before = source.listCount;
    source.tools = [
      ...source.tools,
      { name: 'late', description: '', input_schema: objectSchema('x') },
    ];
    expect(await dispatcher.execute(call('late', { x: 'y' }), makeContext())).toMatchObject({
      result: { name: 'late' },
    });
    expect(source.listCount).toBe(before + 1);
    expect(await dispatcher.execute(call('ghost', {}), makeContext())).toEqual({
      error: { code: 'unknown_tool', message: 'unknown tool "ghost"' },
    });
    expect(source.listCount).toBe(before + 2);
    // A known name is routed without listing again.
    await dispatcher.execute(call('search', { q: 'a' }), makeContext());
    expect(source.listCount).toBe(before + 2);
  });

  it('answers unknown_tool without asking for approval', async () => {
    const needsApproval = vi.fn(() => true);
    const dispatcher = createToolDispatcher({
      tools: [echo],
      needsApproval,
      approvals: createApprovalBroker(),
    });
    const ctx = makeContext();
    expect(await dispatcher.execute(call('nope', {}), ctx)).toMatchObject({
      error: { code: 'unknown_tool' },
    });
    expect(needsApproval).not.toHaveBeenCalled();
    expect(await eventsOf(ctx.log)).toEqual([]);
  });

  it('answers cancelled without running anything when the run is already cancelled', async () => {
    const handler = vi.fn();
    const tool = defineTool({ name: 't', description: '', inputSchema: objectSchema(), handler });
    const ctx = makeContext();
    ctx.controller.abort();
    expect(await createToolDispatcher({ tools: [tool] }).execute(call('t', {}), ctx)).toMatchObject(
      { error: { code: 'cancelled' } },
    );
    expect(handler).not.toHaveBeenCalled();
  });

  it('gives the handler a copy of the input, so what ran is what was checked', async () => {
    const input = { text: 'original' };
    const tool = defineTool<{ text: string }>({
      name: 'mutate',
      description: '',
      inputSchema: objectSchema('text'),
      handler: (received) => {
        received.text = 'changed';
        return received.text;
      },
    });
    await createToolDispatcher({ tools: [tool] }).execute(call('mutate', input), makeContext());
    expect(input.text).toBe('original');
  });
});
