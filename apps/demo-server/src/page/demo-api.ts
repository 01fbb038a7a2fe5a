// The demo app's own endpoints (not the gateway API, which goes through
// @claude-gateway/client): what the demo offers, and the sandbox's files.

/** A tool the demo offers to the model. */
export interface DemoTool {
  name: string;
  description: string;
  /** `local` or `mcp:<server>`. */
  source: string;
  /** True when a person must approve each call. */
  gated: boolean;
}

/** An MCP server and how it is doing. */
export interface DemoMcpServer {
  name: string;
  state: string;
  tools: string[];
  error?: string;
}

/** A one-click prompt. */
export interface DemoPrompt {
  label: string;
  text: string;
}

/** `GET /demo/info`. */
export interface DemoInfo {
  model: string;
  offline: boolean;
  tools: DemoTool[];
  mcp: DemoMcpServer[];
  sandbox_dir: string;
  prompts: DemoPrompt[];
}

/** One file of the sandbox folder. */
export interface DemoFile {
  name: string;
  size: number;
  content: string;
}

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, { headers: { accept: 'application/json' }, signal });
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return (await response.json()) as T;
}

/** Reads `/demo/info`. */
export function fetchDemoInfo(signal?: AbortSignal): Promise<DemoInfo> {
  return getJson<DemoInfo>('/demo/info', signal);
}

/** Reads `/demo/files`. */
export async function fetchDemoFiles(signal?: AbortSignal): Promise<DemoFile[]> {
  const body = await getJson<{ files: DemoFile[] }>('/demo/files', signal);
  return body.files;
}
