import MarkdownIt from 'markdown-it';

const SAFE_LINK = /^(https?:|mailto:|#|\/(?!\/))/i;

/**
 * The page's Markdown renderer. Model text is untrusted: raw HTML is shown as
 * text (`html: false`), links are limited to http(s), mailto and same-site
 * paths, and images are off so model text can never make the page load
 * anything.
 */
export function createMarkdown(): MarkdownIt {
  const md = new MarkdownIt({ html: false, linkify: true, breaks: false, typographer: false });
  md.disable('image');
  md.validateLink = (url: string): boolean => SAFE_LINK.test(url.trim());
  const defaultOpen =
    md.renderer.rules.link_open ??
    ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    const token = tokens[idx];
    if (token) {
      token.attrSet('rel', 'noopener noreferrer nofollow');
      token.attrSet('target', '_blank');
    }
    return defaultOpen(tokens, idx, options, env, self);
  };
  return md;
}

let shared: MarkdownIt | undefined;

/** Renders untrusted Markdown to safe HTML (see {@link createMarkdown}). */
export function renderMarkdown(text: string): string {
  shared ??= createMarkdown();
  return shared.render(text);
}
