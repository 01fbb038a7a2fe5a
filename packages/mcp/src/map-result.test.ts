import { describe, expect, it } from 'vitest';
import { mapCallToolResult } from './map-result.js';

describe('mapCallToolResult', () => {
  it('prefers structuredContent', () => {
    expect(
      mapCallToolResult(
        { content: [{ type: 'text', text: '{"a":2}' }], structuredContent: { a: 1 } },
        'mcp:s',
      ),
    ).toEqual({ result: { a: 1 }, source: 'mcp:s' });
  });

  it('parses JSON text, else wraps text as { text }', () => {
    expect(
      mapCallToolResult({ content: [{ type: 'text', text: '[1,2]' }] }, 'mcp:s').result,
    ).toEqual([1, 2]);
    expect(
      mapCallToolResult({ content: [{ type: 'text', text: 'hello' }] }, 'mcp:s').result,
    ).toEqual({ text: 'hello' });
  });

  it('passes images through as Anthropic image blocks', () => {
    const outcome = mapCallToolResult(
      {
        content: [
          { type: 'text', text: 'an image' },
          { type: 'image', data: 'AAAA', mimeType: 'image/png' },
        ],
      },
      'mcp:s',
    );
    expect(outcome).toEqual({
      result: { text: 'an image' },
      content: [
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
      ],
      source: 'mcp:s',
    });
  });

  it('accepts image media types the way servers spell them (image/jpg, upper case, parameters)', () => {
    const outcome = mapCallToolResult(
      {
        content: [
          { type: 'image', data: 'AAAA', mimeType: 'image/jpg' },
          { type: 'image', data: 'BBBB', mimeType: 'IMAGE/PNG' },
          { type: 'image', data: 'CCCC', mimeType: 'image/webp; q=1' },
        ],
      },
      'mcp:s',
    );
    expect(outcome.content).toEqual([
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'AAAA' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'BBBB' } },
      { type: 'image', source: { type: 'base64', media_type: 'image/webp', data: 'CCCC' } },
    ]);
  });

  it('gives an isError result with no text a message', () => {
    expect(
      mapCallToolResult({ content: [{ type: 'text', text: '' }], isError: true }, 'mcp:s'),
    ).toEqual({
      error: { code: 'mcp_error', message: 'the tool reported an error' },
      source: 'mcp:s',
    });
  });

  it('passes image resources as images and names image types the API cannot take', () => {
    const outcome = mapCallToolResult(
      {
        content: [
          {
            type: 'resource',
            resource: { uri: 'file:///a.gif', mimeType: 'image/gif', blob: 'R0lG' },
          },
          { type: 'image', data: 'AAAA', mimeType: 'image/bmp' },
        ],
      },
      'mcp:s',
    );
    expect(outcome.content).toEqual([
      { type: 'image', source: { type: 'base64', media_type: 'image/gif', data: 'R0lG' } },
      { type: 'text', text: '[image of type image/bmp omitted: not supported]' },
    ]);
  });

  it('turns embedded text resources into text blocks and PDFs into documents', () => {
    const outcome = mapCallToolResult(
      {
        content: [
          { type: 'resource', resource: { uri: 'file:///a.txt', text: 'body' } },
          {
            type: 'resource',
            resource: { uri: 'file:///a.pdf', mimeType: 'application/pdf', blob: 'JVBE' },
          },
        ],
      },
      'mcp:s',
    );
    expect(outcome.result).toBeNull();
    expect(outcome.content).toEqual([
      { type: 'text', text: '[resource file:///a.txt]\nbody' },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBE' } },
    ]);
  });

  it('maps isError to mcp_error with the server text', () => {
    expect(
      mapCallToolResult({ content: [{ type: 'text', text: 'denied' }], isError: true }, 'mcp:s'),
    ).toEqual({
      error: { code: 'mcp_error', message: 'denied' },
      source: 'mcp:s',
    });
  });
});
