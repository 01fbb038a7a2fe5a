import { GatewayError, type ToolResultContentBlock } from '@claude-gateway/core';
import { describe, expect, it } from 'vitest';
import { defineTool } from './define-tool.js';
import { DEFAULT_MAX_RESULT_BYTES, limitOutcome, utf8Bytes } from './result-limits.js';
import { call, fakeSource, makeContext, objectSchema } from './test-helpers.js';
import { createToolDispatcher } from './tool-dispatcher.js';

const limits = { maxResultBytes: 100, maxMediaBytes: 1000 };
// The first bytes of each format, base64: what the API checks an image against.
const PNG = Buffer.from('\x89PNG\r\n\x1a\n0000000000', 'latin1').toString('base64');
const JPEG = Buffer.from('\xff\xd8\xff\xe0000000000000', 'latin1').toString('base64');
const PDF = Buffer.from('%PDF-1.7\n0000000', 'latin1').toString('base64');

const image = (media_type: string, data: string): ToolResultContentBlock =>
  ({ type: 'image', source: { type: 'base64', media_type, data } }) as ToolResultContentBlock;

describe('limitOutcome', () => {
  it('cuts a long result to maxResultBytes with a marker anyone can see', () => {
    const text = 'é'.repeat(80); // 160 bytes
    const { result } = limitOutcome({ result: text, source: 'local' }, limits);
    expect(result).toBe(
      `${'é'.repeat(50)}\n[truncated by claude-gateway: 160 bytes, only the first 100 are shown]`,
    );
    const short = { result: { ok: true } };
    expect(limitOutcome(short, limits)).toBe(short);
  });

  it('cuts an object result as JSON, and a long error message', () => {
    const { result } = limitOutcome({ result: { rows: 'x'.repeat(200) } }, limits);
    expect(result).toMatch(
      /^\{"rows":"x+\n\[truncated by claude-gateway: 211 bytes, only the first 100 are shown]$/,
    );
    const error = limitOutcome(
      { error: { code: 'mcp_error', message: 'y'.repeat(300) }, source: 'mcp:a' },
      limits,
    );
    expect(error.error?.message).toMatch(/^y{100}\n\[truncated by claude-gateway: 300 bytes/);
    expect(error).toMatchObject({ error: { code: 'mcp_error' }, source: 'mcp:a' });
  });

  it('never splits a character, and counts UTF-8 bytes', () => {
    expect(utf8Bytes('a€😀')).toBe(1 + 3 + 4);
    const { result } = limitOutcome({ result: '😀😀😀' }, { ...limits, maxResultBytes: 6 });
    expect(result).toBe('😀\n[truncated by claude-gateway: 12 bytes, only the first 4 are shown]');
  });

  it('shares the text budget between the result and its text blocks', () => {
    const outcome = limitOutcome(
      {
        result: 'r'.repeat(60),
        content: [
          { type: 'text', text: 't'.repeat(30) },
          { type: 'text', text: 'u'.repeat(30) },
        ],
      },
      limits,
    );
    expect(outcome.content).toEqual([
      { type: 'text', text: 't'.repeat(30) },
      {
        type: 'text',
        text: `${'u'.repeat(10)}\n[truncated by claude-gateway: 30 bytes, only the first 10 are shown]`,
      },
    ]);
  });

  it('checks images: media type, emptiness, base64, and what the bytes say', () => {
    const outcome = limitOutcome(
      {
        result: null,
        content: [
          image('image/png', PNG),
          image('image/bmp', PNG),
          image('image/png', ''),
          image('image/png', 'data:image/png;base64,AAAA'),
          image('image/png', JPEG), // declared wrong: fixed from the bytes
          image('image/gif', PDF),
          {
            type: 'document',
            source: { type: 'base64', media_type: 'application/pdf', data: PDF },
          },
          {
            type: 'document',
            source: { type: 'base64', media_type: 'application/pdf', data: PNG },
          },
          { type: 'document', source: { type: 'text', media_type: 'text/plain', data: '' } },
        ] as ToolResultContentBlock[],
      },
      limits,
    );
    expect(outcome.content).toEqual([
      image('image/png', PNG),
      { type: 'text', text: '[image omitted: media type image/bmp is not supported]' },
      { type: 'text', text: '[image omitted: it is empty]' },
      { type: 'text', text: '[image omitted: its data is not base64]' },
      image('image/jpeg', JPEG),
      { type: 'text', text: '[image omitted: its data is not an image of type image/gif]' },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF } },
      { type: 'text', text: '[document omitted: it is not a PDF]' },
      { type: 'text', text: '[document omitted: it is empty]' },
    ]);
  });

  it('gives images and documents their own budget, maxMediaBytes', () => {
    const big = Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), Buffer.alloc(592)]);
    const data = big.toString('base64'); // 600 bytes decoded
    const outcome = limitOutcome(
      { result: 'small', content: [image('image/png', data), image('image/png', data)] },
      limits,
    );
    expect(outcome.content).toEqual([
      image('image/png', data),
      {
        type: 'text',
        text: '[image omitted: 600 bytes, over the 1000-byte limit for the images and documents of one result]',
      },
    ]);
  });
});

describe('createToolDispatcher: maxResultBytes', () => {
  it('truncates a local tool result at 100 KB by default, visibly', async () => {
    const dump = defineTool({
      name: 'dump',
      description: '',
      inputSchema: objectSchema(),
      handler: () => 'x'.repeat(1_000_000),
    });
    const outcome = await createToolDispatcher({ tools: [dump] }).execute(
      call('dump', {}),
      makeContext(),
    );
    expect(DEFAULT_MAX_RESULT_BYTES).toBe(100_000);
    expect(outcome.source).toBe('local');
    expect(outcome.result).toBe(
      `${'x'.repeat(100_000)}\n[truncated by claude-gateway: 1000000 bytes, only the first 100000 are shown]`,
    );
  });

  it('takes a per-tool limit from defineTool and maxResultBytesByTool, for sources too', async () => {
    const small = defineTool({
      name: 'small',
      description: '',
      inputSchema: objectSchema(),
      handler: () => 'abcdef',
      maxResultBytes: 3,
    });
    const source = fakeSource(
      'big',
      [{ name: 'remote', description: '', input_schema: objectSchema() }],
      () => ({
        result: { text: 'z'.repeat(50) },
        source: 'mcp:big',
      }),
    );
    const dispatcher = createToolDispatcher({
      tools: [small],
      sources: [source],
      maxResultBytes: 1_000,
      maxResultBytesByTool: { remote: 10 },
    });
    expect((await dispatcher.execute(call('small', {}), makeContext())).result).toMatch(
      /^abc\n\[truncated/,
    );
    const remote = await dispatcher.execute(call('remote', {}), makeContext());
    expect(remote).toMatchObject({ source: 'mcp:big' });
    expect(remote.result).toMatch(/^\{"text":"z\n\[truncated by claude-gateway: 61 bytes/);
  });

  it('caps what an interceptor hands back too, and refuses bad limits', async () => {
    const dispatcher = createToolDispatcher({
      maxResultBytes: 5,
      interceptors: [() => ({ result: 'long answer' })],
    });
    expect((await dispatcher.execute(call('any', {}), makeContext())).result).toMatch(
      /^long \n\[truncated/,
    );
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => createToolDispatcher({ maxResultBytes: bad })).toThrow(GatewayError);
      expect(() => createToolDispatcher({ maxMediaBytes: bad })).toThrow(GatewayError);
      expect(() => createToolDispatcher({ maxResultBytesByTool: { a: bad } })).toThrow(
        GatewayError,
      );
      expect(() =>
        defineTool({
          name: 'a',
          description: '',
          inputSchema: objectSchema(),
          handler: () => 1,
          maxResultBytes: bad,
        }),
      ).toThrow(GatewayError);
    }
    expect(() => createToolDispatcher({ maxResultBytes: Infinity })).not.toThrow();
  });
});
