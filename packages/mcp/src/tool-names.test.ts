import { describe, expect, it } from 'vitest';
import { assignToolNames, sanitizeToolName, TOOL_NAME_PATTERN } from './tool-names.js';

const none = new Set<string>();

describe('sanitizeToolName', () => {
  it('replaces characters outside [a-zA-Z0-9_-] with _', () => {
    expect(sanitizeToolName('read.file/v2 ok')).toBe('read_file_v2_ok');
    expect(sanitizeToolName('')).toBe('_');
  });

  it('cuts an over-long name and adds a hash, keeping distinct names distinct', () => {
    const a = sanitizeToolName(`${'x'.repeat(70)}a`);
    const b = sanitizeToolName(`${'x'.repeat(70)}b`);
    expect(a).toHaveLength(64);
    expect(a).toMatch(TOOL_NAME_PATTERN);
    expect(a).not.toBe(b);
    expect(a.slice(0, 55)).toBe('x'.repeat(55));
    expect(sanitizeToolName('x'.repeat(64))).toBe('x'.repeat(64));
  });
});

describe('assignToolNames', () => {
  it('lets the first server keep a bare name and renames a later clash to <server>__<tool>', () => {
    const result = assignToolNames(
      [
        { server: 'one', tools: ['echo', 'sum'] },
        { server: 'two', tools: ['echo', 'other'] },
      ],
      { prefixTools: false, builtinToolNames: none },
    );
    expect(result.routes.get('echo')).toEqual({ server: 'one', tool: 'echo' });
    expect(result.routes.get('two__echo')).toEqual({ server: 'two', tool: 'echo' });
    expect(result.routes.get('other')).toEqual({ server: 'two', tool: 'other' });
    expect(result.servers.get('one')?.renamed).toEqual([]);
    expect(result.servers.get('two')?.renamed).toEqual([{ from: 'echo', to: 'two__echo' }]);
  });

  it('prefixes every tool with prefixTools, without listing renames', () => {
    const result = assignToolNames(
      [
        { server: 'my.server', tools: ['echo'] },
        { server: 'b', tools: ['echo'] },
      ],
      { prefixTools: true, builtinToolNames: none },
    );
    expect([...result.routes.keys()]).toEqual(['my_server__echo', 'b__echo']);
    expect(result.servers.get('b')?.renamed).toEqual([]);
  });

  it('skips builtin names and lists sanitised names as renames', () => {
    const result = assignToolNames([{ server: 's', tools: ['Read', 'a.b', 'a_b'] }], {
      prefixTools: false,
      builtinToolNames: new Set(['Read']),
    });
    expect(result.servers.get('s')?.skipped).toEqual(['Read']);
    expect([...result.routes.keys()]).toEqual(['a_b', 's__a_b']);
    expect(result.servers.get('s')?.renamed).toEqual([
      { from: 'a.b', to: 'a_b' },
      { from: 'a_b', to: 's__a_b' },
    ]);
  });

  it('keeps every exposed name valid and unique for long names', () => {
    const long = 'tool_'.repeat(20);
    const result = assignToolNames(
      [
        { server: 'a', tools: [long] },
        { server: 'b', tools: [long] },
      ],
      { prefixTools: false, builtinToolNames: none },
    );
    const names = [...result.routes.keys()];
    expect(new Set(names).size).toBe(2);
    for (const name of names) expect(name).toMatch(TOOL_NAME_PATTERN);
  });
});
