// The HTTP clients: plain `node:http` on a keep-alive agent, reading whole
// SSE answers. They run in the orchestrator process, never the measured one.
import { Agent, request } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

export interface Answer {
  status: number;
  bytes: number;
  body: string;
}

/** Sends a request and reads the whole answer; `onText` sees the body as it grows. */
export function fetchText(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    onText?: (text: string) => void;
  } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', agent, headers: options.headers },
      (res) => {
        res.setEncoding('utf8');
        let body = '';
        res.on('data', (chunk: string) => {
          body += chunk;
          options.onText?.(body);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, bytes: Buffer.byteLength(body), body }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** GET/POST returning JSON. */
export async function fetchJson<T>(url: string, method = 'GET'): Promise<T> {
  const answer = await fetchText(url, { method });
  if (answer.status !== 200) throw new Error(`${method} ${url}: ${answer.status}`);
  return JSON.parse(answer.body) as T;
}

/** How many times `needle` occurs in `text`. */
export function count(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** Closes idle keep-alive sockets (before measuring memory or exiting). */
export function closeIdleSockets(): void {
  agent.destroy();
}
