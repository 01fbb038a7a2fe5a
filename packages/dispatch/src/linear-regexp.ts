import { RE2JS } from 're2js';

/** What a JSON Schema `pattern` compiles to: a test for a match anywhere in the string. */
export interface PatternTest {
  test(input: string): boolean;
}

/**
 * Compiles a JSON Schema `pattern` (or `patternProperties` key). `flags` is
 * what ajv asks for (`'u'`; RE2 is always Unicode-aware).
 */
export type PatternEngine = (pattern: string, flags: string) => PatternTest;

/**
 * The default {@link PatternEngine}: RE2 semantics (the pure-JS `re2js`
 * port), so matching takes time linear in the input for every pattern,
 * whoever wrote it — `^(a+)+$` against a long string of `a`s included.
 * The price is RE2's syntax: lookaround (`(?=`, `(?!`, `(?<=`) and
 * backreferences (`\1`) are refused, and so are repeat counts over 1000;
 * `\s` and `\w` are ASCII only. A refused pattern makes the schema fail to
 * compile (a source tool is then validated by its source; a local tool
 * answers `tool_error`).
 *
 * @throws Error naming the pattern when RE2 cannot take it.
 */
export function linearRegExp(pattern: string, _flags: string): PatternTest {
  let compiled: RE2JS;
  try {
    // ECMAScript spellings (`\uXXXX`, named groups, `\/`) into RE2 ones.
    compiled = RE2JS.compile(RE2JS.translateRegExp(pattern));
  } catch (error) {
    const why = error instanceof Error ? error.message : 'unsupported syntax';
    throw new Error(
      `pattern ${JSON.stringify(pattern)} is not supported by the linear-time engine (${why}); lookaround and backreferences are not available`,
    );
  }
  return { test: (input) => compiled.test(input) };
}
