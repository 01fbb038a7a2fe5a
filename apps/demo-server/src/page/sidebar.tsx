import type { DemoFile, DemoInfo } from './demo-api.js';

interface SidebarProps {
  info: DemoInfo | undefined;
  files: DemoFile[];
  /** False while a run is going (one run per session at a time). */
  canSend: boolean;
  onPrompt: (text: string) => void;
}

/** What the demo offers: one-click prompts, tools, MCP servers, and the sandbox's files. */
export function Sidebar({ info, files, canSend, onPrompt }: SidebarProps) {
  return (
    <aside class="sidebar" aria-label="Demo">
      <section aria-labelledby="prompts-title">
        <h2 id="prompts-title">Try</h2>
        {info ? (
          <ul class="prompts">
            {info.prompts.map((prompt) => (
              <li key={prompt.label}>
                <button
                  type="button"
                  class="prompt"
                  disabled={!canSend}
                  title={prompt.text}
                  onClick={() => onPrompt(prompt.text)}
                >
                  {prompt.label}
                </button>
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted">Loading…</p>
        )}
      </section>

      <section aria-labelledby="tools-title">
        <h2 id="tools-title">Tools</h2>
        {info && (
          <ul class="tools">
            {info.tools
              .filter((tool) => tool.source === 'local')
              .map((tool) => (
                <li key={tool.name}>
                  <code>{tool.name}</code> <span class="badge">{tool.source}</span>
                  {tool.gated && <span class="badge gated">needs approval</span>}
                  <div class="muted small">{tool.description}</div>
                </li>
              ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="mcp-title">
        <h2 id="mcp-title">MCP servers</h2>
        {info && info.mcp.length === 0 && <p class="muted">None configured.</p>}
        {info && info.mcp.length > 0 && (
          <ul class="mcp">
            {info.mcp.map((server) => (
              <li key={server.name}>
                <strong>{server.name}</strong>{' '}
                <span class={`badge state-${server.state}`}>{server.state}</span>
                {server.error !== undefined && <div class="error small">{server.error}</div>}
                {server.tools.length > 0 && (
                  <details>
                    <summary>
                      {server.tools.length} tool{server.tools.length === 1 ? '' : 's'}
                    </summary>
                    <ul class="mcp-tools">
                      {server.tools.map((name) => {
                        const tool = info.tools.find((t) => t.name === name);
                        return (
                          <li key={name}>
                            <code>{name}</code>
                            {tool?.gated && <span class="badge gated">needs approval</span>}
                            {tool && <div class="muted small">{tool.description}</div>}
                          </li>
                        );
                      })}
                    </ul>
                  </details>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="files-title">
        <h2 id="files-title">Sandbox files</h2>
        {files.length === 0 ? (
          <p class="muted">No files yet. Approve a write_file call to create one.</p>
        ) : (
          <ul class="files" aria-label="Sandbox files">
            {files.map((file) => (
              <li key={file.name}>
                <code class="file-name">{file.name}</code>{' '}
                <span class="muted">{file.size} bytes</span>
                <pre class="file-content">
                  {file.content.length > 600 ? `${file.content.slice(0, 600)}…` : file.content}
                </pre>
              </li>
            ))}
          </ul>
        )}
        {info && <p class="muted small">Folder: {info.sandbox_dir}</p>}
      </section>
    </aside>
  );
}
