import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createGatewayClient } from '@claude-gateway/client';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The browser scenario shared by apps/demo-server and apps/demo-express: the
// real page in Debian's Chromium (never a downloaded browser), driven by
// role and label, waiting on visible state rather than on time.

/** Debian's Chromium. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Screenshots go here (gitignored), one folder per app. */
export const TEST_OUTPUT_DIR = join(APP_DIR, 'test-output');
/** The README's screenshot. */
export const DOCS_SCREENSHOT = join(APP_DIR, 'docs', 'screenshot.png');

/** A demo app under test. */
export interface StartedDemo {
  url: string;
  close(): Promise<void>;
}

/** Options of {@link describeBrowserScenario}. */
export interface BrowserScenarioOptions {
  /** Starts the app (port 0, small demo delay). */
  start: () => Promise<StartedDemo>;
  /** Also refresh apps/demo-server/docs/screenshot.png from this run. @default false */
  docsScreenshot?: boolean;
  /** The app runs MCP servers: call one of their tools too. @default false */
  mcp?: boolean;
}

/** Whether the browser tests run here: skipped without Chromium, except under `CI=true`. */
export function shouldSkipBrowserTests(): boolean {
  if (existsSync(CHROMIUM_PATH)) return false;
  if (process.env.CI === 'true') return false; // must run (and fail) in CI
  console.warn(
    `browser tests skipped: ${CHROMIUM_PATH} not found (apt-get install chromium; under CI=true they fail instead)`,
  );
  return true;
}

/** Builds the page the apps serve (atomic per file, so parallel builds are harmless). */
export async function buildPage(): Promise<void> {
  await promisify(execFile)(process.execPath, [join(APP_DIR, 'scripts', 'build-page.mjs')]);
}

/**
 * A TCP proxy between the browser and the app that can cut the network:
 * `drop()` resets every connection and refuses new ones until `restore()`.
 */
export interface DropProxy {
  url: string;
  drop(): void;
  restore(): void;
  close(): Promise<void>;
}

/** Starts a {@link DropProxy} in front of `target`. */
export async function startDropProxy(target: string): Promise<DropProxy> {
  const { hostname, port } = new URL(target);
  const host = hostname === 'localhost' ? '127.0.0.1' : hostname;
  const sockets = new Set<Socket>();
  let down = false;
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server: Server = createServer((client) => {
    track(client);
    if (down) {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host, port: Number(port) });
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const proxyPort = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${proxyPort}`,
    drop() {
      down = true;
      for (const socket of sockets) socket.resetAndDestroy();
    },
    restore() {
      down = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Whitespace and Markdown backticks aside, the text a reader sees. */
export function normalizeText(text: string): string {
  return text.replace(/`/g, '').replace(/\s+/g, ' ').trim();
}

interface SavedSession {
  id: string;
  token?: string;
}

/** A run's whole log, read from the API by a fresh client. */
async function apiEntries(apiUrl: string, saved: SavedSession, runId: string) {
  const run = createGatewayClient({ baseUrl: apiUrl }).session(saved.id, saved.token).run(runId);
  const entries = [];
  for await (const entry of run.events()) entries.push(entry);
  return entries;
}

/** The run's answer text as the API has it (every text delta, retries applied). */
async function apiRunText(apiUrl: string, saved: SavedSession, runId: string): Promise<string> {
  let chunks: { seq: number; text: string }[] = [];
  for (const { seq, event } of await apiEntries(apiUrl, saved, runId)) {
    if (event.type === 'text_delta' && !('parent_tool_use_id' in event)) {
      chunks.push({ seq, text: event.text });
    }
    if (event.type === 'stream_retry' && event.discarded_from_seq !== undefined) {
      const from = event.discarded_from_seq;
      chunks = chunks.filter((c) => c.seq < from);
    }
  }
  return chunks.map((c) => c.text).join('');
}

interface DemoFileJson {
  name: string;
  size: number;
  content: string;
}

async function demoFiles(url: string): Promise<DemoFileJson[]> {
  const response = await fetch(`${url}/demo/files`);
  return ((await response.json()) as { files: DemoFileJson[] }).files;
}

/**
 * Registers the browser scenario as one `describe` block (its steps share
 * one browser, one page and one conversation, in order).
 */
export function describeBrowserScenario(name: string, options: BrowserScenarioOptions): void {
  describe.skipIf(shouldSkipBrowserTests())(`${name}: the demo page in Chromium`, () => {
    const shots = join(TEST_OUTPUT_DIR, name);
    let app: StartedDemo;
    let proxy: DropProxy;
    let browser: Browser;
    let page: Page;
    let url: string;
    let sent = 0;
    const pageErrors: string[] = [];
    let shotCount = 0;

    const shot = async (label: string): Promise<string> => {
      shotCount += 1;
      const path = join(shots, `${String(shotCount).padStart(2, '0')}-${label}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    };
    const message = (): Locator => page.getByLabel('Message');
    const runAt = (index: number): Locator => page.locator('ol.conversation > li').nth(index);
    const runStatus = (index: number, status: string): Locator =>
      runAt(index).locator(`.run-status.status-${status}`);
    const saved = async (): Promise<SavedSession> => {
      const raw = await page.evaluate(() => sessionStorage.getItem('claude-gateway-demo:session'));
      expect(raw).toBeTruthy();
      return JSON.parse(raw ?? '{}') as SavedSession;
    };
    /** Sends a message (typed, Enter) and returns its index and run id. */
    const send = async (text: string): Promise<{ index: number; runId: string }> => {
      await page.getByRole('button', { name: 'Send' }).and(page.locator(':enabled')).waitFor();
      await message().fill(text);
      await message().press('Enter');
      return sentRun();
    };
    const sentRun = async (): Promise<{ index: number; runId: string }> => {
      const index = sent++;
      const runId = await runAt(index).getAttribute('data-run-id');
      expect(runId).toBeTruthy();
      return { index, runId: runId ?? '' };
    };
    const pageRunText = (runId: string): Promise<string> =>
      page.evaluate(
        (id) =>
          Array.from(document.querySelectorAll(`li[data-run-id="${id}"] .answer:not(.sub)`))
            .map((el) => el.textContent ?? '')
            .join(' '),
        runId,
      );
    /** Waits until the run has streamed at least `chars` characters of answer while still running. */
    const waitForStreamedText = async (index: number, runId: string, chars: number) => {
      await page.waitForFunction(
        ([id, min]) => {
          const run = document.querySelector(`li[data-run-id="${id}"]`);
          const text = run?.querySelector('.answer')?.textContent ?? '';
          return text.length >= min;
        },
        [runId, chars] as const,
      );
      await runStatus(index, 'running').waitFor();
    };

    beforeAll(async () => {
      await buildPage();
      app = await options.start();
      proxy = await startDropProxy(app.url);
      url = proxy.url;
      await rm(shots, { recursive: true, force: true });
      await mkdir(shots, { recursive: true });
      browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
      const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
      page = await context.newPage();
      page.setDefaultTimeout(20_000);
      page.on('pageerror', (error) => pageErrors.push(error.message));
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await proxy?.close();
      await app?.close();
    }, 60_000);

    it('streams an answer and shows model text as text, never as HTML', async () => {
      await page.goto(url);
      await page.getByRole('status').filter({ hasText: 'Ready' }).waitFor();
      await page.getByRole('heading', { name: 'Tools' }).waitFor();
      await page.locator('.tools code', { hasText: 'write_file' }).waitFor();
      // Keyboard: the message box is followed by its Send button.
      await message().focus();
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Send');

      const xss = '<img src=x onerror="window.__xss=1">';
      const { index, runId } = await send(`Hello from Chromium ${xss}`);
      await runStatus(index, 'completed').waitFor();
      const text = await pageRunText(runId);
      expect(text).toContain('You said "Hello from Chromium');
      expect(text).toContain(xss);
      expect(await page.locator('ol.conversation img').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBe(
        undefined,
      );
      expect(normalizeText(text)).toBe(
        normalizeText(await apiRunText(`${url}/api`, await saved(), runId)),
      );
      await expect(runAt(index).locator('.usage').textContent()).resolves.toMatch(
        /\d+ in · \d+ out/,
      );
      await expect(runAt(index).locator('.cost').textContent()).resolves.toMatch(/\$|cost unknown/);
      expect(await runAt(index).locator('details.thinking summary').textContent()).toBe('Thinking');
      await shot('first-answer');
    }, 60_000);

    // Registered only where the app runs MCP (not a skipped test elsewhere).
    if (options.mcp === true) {
      it('calls an MCP tool and shows its mcp:<server> source', async () => {
        const info = (await (await fetch(`${url}/demo/info`)).json()) as {
          prompts: { label: string; text: string }[];
          mcp: { name: string; tools: string[] }[];
        };
        expect(info.mcp.length).toBeGreaterThan(0);
        await page.locator('.mcp > li', { hasText: info.mcp[0]!.name }).waitFor();
        const prompt = info.prompts.find((p) => /\bMCP\b/.test(p.label));
        expect(prompt).toBeDefined();
        await page.getByRole('button', { name: prompt!.label }).click();
        const { index } = await sentRun();
        await runStatus(index, 'completed').waitFor();
        const tool = runAt(index).locator('section.tool');
        await tool.locator('.tool-status', { hasText: 'done' }).waitFor();
        expect(await tool.locator('.badge').first().textContent()).toMatch(/^mcp:/);
        await shot('mcp');
      }, 60_000);

      it('answers an MCP server’s question (elicitation) in the form built from its schema', async () => {
        await page.getByRole('button', { name: 'MCP asks you (elicitation)' }).click();
        const { index, runId } = await sentRun();
        const tool = runAt(index).locator('section.tool');
        const form = tool.getByRole('form', { name: /^Question from / });
        await form.waitFor();
        await tool.locator('.tool-status', { hasText: 'asks you' }).waitFor();
        // Generated from the requested schema: the required field is marked,
        // defaults are filled in.
        const name = form.getByLabel('String *', { exact: true });
        const integer = form.getByLabel('Integer', { exact: true });
        expect(await integer.inputValue()).toBe('42');
        await name.fill('Ada Lovelace');
        // Out of the schema's range: the browser refuses it at the field, nothing is sent.
        await integer.fill('5000');
        await form.getByRole('button', { name: 'Accept' }).click();
        expect(
          await integer.evaluate((el) => (el as HTMLInputElement).validity.rangeOverflow),
        ).toBe(true);
        expect(await form.count()).toBe(1);
        await integer.fill('7');
        await form.getByLabel('Boolean', { exact: true }).check();
        await shot('elicitation-form');
        await form.getByRole('button', { name: 'Accept' }).click();

        await runStatus(index, 'completed').waitFor();
        await tool.locator('.tool-status', { hasText: 'done' }).waitFor();
        expect(await tool.locator('.approval-outcome').textContent()).toMatch(/^You answered/);
        expect(await form.count()).toBe(0);
        const result = await tool.locator('.tool-io', { hasText: 'Result' }).textContent();
        expect(result).toContain('Name: Ada Lovelace');
        expect(result).toContain('Favorite Integer: 7');
        expect(result).toContain('Agreed to terms: true');
        // The audit trail holds the answer's outcome, never its content.
        const events = (await apiEntries(`${url}/api`, await saved(), runId)).map((e) => e.event);
        expect(events.find((e) => e.type === 'elicitation_response')).toMatchObject({
          action: 'accept',
          reason: 'answered',
        });
        const audit = events.filter((e) => e.type.startsWith('elicitation_'));
        expect(audit).toHaveLength(2);
        expect(JSON.stringify(audit)).not.toContain('Ada Lovelace');
        await shot('elicitation-answered');
      }, 60_000);
    }

    it('runs the gated write_file after Approve and shows the file it wrote', async () => {
      const info = (await (await fetch(`${url}/demo/info`)).json()) as {
        prompts: { label: string; text: string }[];
        tools: { name: string; gated: boolean }[];
      };
      expect(info.tools.find((t) => t.name === 'write_file')?.gated).toBe(true);
      const prompt = info.prompts.find((p) => /write_file/.test(p.text));
      expect(prompt).toBeDefined();
      await page.getByRole('button', { name: prompt!.label }).click();
      const { index } = await sentRun();
      await page.getByRole('button', { name: 'Approve' }).waitFor();
      expect(await page.getByRole('button', { name: 'Deny' }).isVisible()).toBe(true);
      expect(await page.getByRole('button', { name: 'Always allow' }).isVisible()).toBe(true);
      await shot('approval-prompt');
      if (options.docsScreenshot) {
        await page.getByRole('button', { name: 'Always allow' }).scrollIntoViewIfNeeded();
        await mkdir(dirname(DOCS_SCREENSHOT), { recursive: true });
        await page.screenshot({ path: DOCS_SCREENSHOT });
      }
      await page.getByRole('button', { name: 'Approve' }).click();
      await runStatus(index, 'completed').waitFor();
      const tool = runAt(index).locator('section.tool', { hasText: 'write_file' });
      await tool.locator('.tool-status', { hasText: 'done' }).waitFor();
      expect(await tool.locator('.badge').first().textContent()).toBe('local');
      expect(await tool.textContent()).toMatch(/\d+ ms/);
      expect(await tool.textContent()).toContain('"bytes"');
      const files = await demoFiles(url);
      expect(files).toHaveLength(1);
      const file = files[0]!;
      const listed = page
        .getByRole('list', { name: 'Sandbox files' })
        .locator('li', { hasText: file.name });
      await listed.waitFor();
      expect(await listed.locator('.file-content').textContent()).toBe(file.content);
      await shot('approved');
    }, 60_000);

    it('denies a call: no file, the tool shows user_denied', async () => {
      const { index } = await send(
        'Use write_file to save "denied.txt" with "this must not exist"',
      );
      await page.getByRole('button', { name: 'Deny' }).click();
      await runStatus(index, 'completed').waitFor();
      const tool = runAt(index).locator('section.tool');
      expect(await tool.locator('.tool-error').textContent()).toContain('user_denied');
      expect(await tool.locator('.approval-outcome').textContent()).toBe('Denied');
      expect((await demoFiles(url)).map((f) => f.name)).not.toContain('denied.txt');
      await shot('denied');
    }, 60_000);

    it('rebuilds a pending approval after a reload; Always allow lets the next call run unasked', async () => {
      const first = await send('Use write_file to save "always.txt" with "allowed once"');
      await page.getByRole('button', { name: 'Always allow' }).waitFor();
      await page.reload();
      // The whole conversation is back, and the same approval can be answered.
      await page.getByRole('button', { name: 'Always allow' }).click();
      await runStatus(first.index, 'completed').waitFor();
      expect(await page.locator('ol.conversation > li').count()).toBe(first.index + 1);
      expect(await runAt(0).locator('.user-text').textContent()).toContain('Hello from Chromium');
      await page.getByRole('list', { name: 'Sandbox files' }).getByText('always.txt').waitFor();

      const second = await send('Use write_file to save "always-2.txt" with "allowed again"');
      await runStatus(second.index, 'completed').waitFor();
      const tool = runAt(second.index).locator('section.tool');
      await tool.locator('.tool-status', { hasText: 'done' }).waitFor();
      expect(await tool.locator('.approval').count()).toBe(0);
      const types = (await apiEntries(`${url}/api`, await saved(), second.runId)).map(
        (e) => e.event.type,
      );
      expect(types).toContain('tool_result');
      expect(types).not.toContain('tool_approval_request');
      await page.getByRole('list', { name: 'Sandbox files' }).getByText('always-2.txt').waitFor();
      await shot('always-allowed');
    }, 90_000);

    it('cancels a long answer while it streams', async () => {
      const { index, runId } = await send('Tell me a long story about cancelling');
      await waitForStreamedText(index, runId, 40);
      await page.getByRole('button', { name: 'Cancel' }).click();
      await runStatus(index, 'cancelled').waitFor();
      expect(await page.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
      const client = createGatewayClient({ baseUrl: `${url}/api` });
      const session = await saved();
      const record = await client.session(session.id, session.token).run(runId).get();
      expect(record.state).toBe('cancelled');
      await shot('cancelled');
    }, 60_000);

    it('continues a run after a reload mid-stream, with no text twice', async () => {
      const { index, runId } = await send('Tell me a long story about reloading');
      await waitForStreamedText(index, runId, 40);
      await page.reload();
      await runStatus(index, 'completed').waitFor();
      const expected = await apiRunText(`${url}/api`, await saved(), runId);
      expect(expected).toContain('You asked for something longer');
      expect(normalizeText(await pageRunText(runId))).toBe(normalizeText(expected));
      await shot('reloaded');
    }, 90_000);

    it('shows Reconnecting… when the network drops mid-run, then resumes with no text twice', async () => {
      const { index, runId } = await send('Tell me a long story about networks');
      await waitForStreamedText(index, runId, 40);
      proxy.drop();
      await page.getByRole('status').filter({ hasText: 'Reconnecting' }).waitFor();
      await shot('reconnecting');
      proxy.restore();
      await runStatus(index, 'completed').waitFor({ timeout: 60_000 });
      const expected = await apiRunText(`${url}/api`, await saved(), runId);
      expect(normalizeText(await pageRunText(runId))).toBe(normalizeText(expected));
    }, 90_000);

    it('keeps the whole conversation, and fits a phone screen', async () => {
      const session = await saved();
      const client = createGatewayClient({ baseUrl: `${url}/api` });
      const record = await client.session(session.id, session.token).get();
      expect(record.runs).toHaveLength(sent);
      const shown = await page.locator('ol.conversation .user-text').allTextContents();
      expect(shown).toEqual(record.runs.map((r) => r.message));
      await page.setViewportSize({ width: 390, height: 844 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        390,
      );
      await shot('phone');
      expect(pageErrors).toEqual([]);
    }, 60_000);

    it('starts a new conversation with the next message when the server no longer has this one', async () => {
      await page.setViewportSize({ width: 1200, height: 900 });
      const old = await saved();
      const client = createGatewayClient({ baseUrl: `${url}/api` });
      // What another tab's "New conversation" (or a server restart) does to this one.
      await client.session(old.id, old.token).delete();
      await message().fill('Hello again');
      await message().press('Enter');
      await page
        .getByRole('alert')
        .filter({ hasText: 'no longer had the previous conversation' })
        .waitFor();
      expect(await page.locator('ol.conversation > li').count()).toBe(1);
      const runId = await runAt(0).getAttribute('data-run-id');
      await runStatus(0, 'completed').waitFor();
      expect(await pageRunText(runId ?? '')).toContain('Hello again');
      const fresh = await saved();
      expect(fresh.id).not.toBe(old.id);
      const record = await client.session(fresh.id, fresh.token).get();
      expect(record.runs.map((run) => run.run_id)).toEqual([runId]);
      await shot('new-conversation-after-loss');

      // A new conversation asks for write_file again; cancelling the run while
      // it waits shows the call as cancelled, not as a failure.
      const info = (await (await fetch(`${url}/demo/info`)).json()) as {
        prompts: { label: string; text: string }[];
      };
      const prompt = info.prompts.find((p) => /write_file/.test(p.text));
      await page.getByRole('button', { name: prompt!.label }).click();
      await page.getByRole('button', { name: 'Approve' }).waitFor();
      await page.getByRole('button', { name: 'Cancel' }).click();
      await runStatus(1, 'cancelled').waitFor();
      const tool = runAt(1).locator('section.tool', { hasText: 'write_file' });
      await tool.locator('.tool-status', { hasText: 'cancelled' }).waitFor();
      expect(await tool.locator('.tool-error').count()).toBe(0);
      expect(await runAt(1).locator('.notice').textContent()).toBe('Cancelled.');
      await shot('cancelled-while-waiting');
      expect(pageErrors).toEqual([]);
    }, 60_000);
  });
}
