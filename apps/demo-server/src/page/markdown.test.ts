import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown.js';

describe('renderMarkdown', () => {
  it('shows raw HTML from the model as text, never as markup', () => {
    const html = renderMarkdown(
      'Look: <img src=x onerror="alert(1)"> and <script>alert(2)</script>',
    );
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
  });

  it('renders Markdown and keeps http links, opened safely', () => {
    const html = renderMarkdown('**bold** and [docs](https://example.com/a)');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('href="https://example.com/a"');
    expect(html).toContain('rel="noopener noreferrer nofollow"');
  });

  it('drops javascript:, data: and protocol-relative links', () => {
    for (const url of [
      'javascript:alert(1)',
      'JAVASCRIPT:alert(1)',
      'data:text/html,x',
      '//evil.example/x',
    ]) {
      const html = renderMarkdown(`[click](${url})`);
      expect(html).not.toContain('href=');
    }
  });

  it('never loads images named by the model', () => {
    expect(renderMarkdown('![pixel](https://tracker.example/p.gif)')).not.toContain('<img');
  });
});
