import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  consoleLogger,
  createAgentRunner,
  createRunManager,
  type RunManager,
  type ToolDefinition,
  errorDetail,
} from '@claude-gateway/core';
import {
  createApprovalBroker,
  createElicitationBroker,
  createToolDispatcher,
  type ApprovalBroker,
  type ElicitationBroker,
} from '@claude-gateway/dispatch';
import type { McpClientManager, McpServerStatus } from '@claude-gateway/mcp';
import { createGatewayHandler, type GatewayHandler } from '@claude-gateway/server';
import { createDemoModel, startMockAnthropic, type MockAnthropic } from '@claude-gateway/testing';
import type { DemoConfig } from './config.js';
import { createDemoMcp } from './demo-mcp.js';
import { openDemoStores, type DemoStoreKind } from './demo-stores.js';
import { createDemoTools, demoPrompts, type DemoPrompt } from './demo-tools.js';
import { createSandbox, type Sandbox } from './sandbox.js';

/** The built page: `apps/demo-server/dist/page`. */
export const PAGE_DIR = fileURLToPath(new URL('../dist/page', import.meta.url));

/** Base path of the gateway API in both demo apps. */
export const API_BASE_PATH = '/api';

/** A tool as `/demo/info` lists it. */
export interface DemoToolInfo {
  name: string;
  description: string;
  /** `local` or `mcp:<server>`. */
  source: string;
  /** Waits for a person's approval. */
  gated: boolean;
}

/** An MCP server as `/demo/info` lists it. */
export interface DemoMcpInfo {
  name: string;
  state: McpServerStatus['state'];
  tools: string[];
  error?: string;
}

/** The body of `GET /demo/info`. */
export interface DemoInfo {
  /** The Claude model id (the offline demo model is priced as this one). */
  model: string;
  /** True when the offline demo model answers (no API key). */
  offline: boolean;
  tools: DemoToolInfo[];
  mcp: DemoMcpInfo[];
  sandbox_dir: string;
  prompts: DemoPrompt[];
  /** Where sessions, runs, events and approvals live: this process, or a Redis shared by instances. */
  store: DemoStoreKind;
}

/** Everything the demo runs, ready to be mounted by an HTTP framework. */
export interface Demo {
  /** The gateway API (answers under `/api`; its `basePath` says so to the framework mounts). */
  handler: GatewayHandler;
  /** Folder of the built page (`index.html`, `app.js`, `app.css`). */
  pageDir: string;
  /** Host names answered besides `localhost` and IP addresses (see `foreignHostError`). */
  allowedHosts: readonly string[];
  /** What `/demo/info` shows. */
  info(): DemoInfo;
  /** The folder `write_file` writes into. */
  sandbox: Sandbox;
  /** Sessions and runs. */
  runs: RunManager;
  /** Decides gated calls. */
  approvals: ApprovalBroker;
  /** Relays MCP servers' questions to the person (same store as approvals). */
  elicitations: ElicitationBroker;
  /** Where sessions, runs, events and approvals live (`description` is a line for a person, password hidden). */
  store: { kind: DemoStoreKind; description: string };
  /** The MCP manager, when MCP is on. */
  mcp?: McpClientManager;
  /**
   * Settles once every MCP server's first start attempt is over (at once
   * when MCP is off); never rejects. The server listens before this, so the
   * page is up while MCP servers start.
   */
  mcpReady: Promise<McpServerStatus[]>;
  /** Ends runs and open streams, shuts MCP down, stops the demo model. Idempotent. */
  close(): Promise<void>;
}

/** How long open streams may take to deliver the end of their run at shutdown. */
const STREAM_GRACE_MS = 250;

const SYSTEM_PROMPT = [
  'You are the assistant of the claude-gateway demo, a chat page that shows streaming,',
  'tool calls (local and MCP), approvals, cancellation and resumable streams.',
  'Use the tools when the user asks for them. write_file writes into a sandbox folder',
  'and waits for the user to approve it. Keep answers short unless asked for detail.',
].join(' ');

/**
 * Builds the demo: the offline demo model (or Claude with an API key), the
 * demo tools, MCP servers, the approval broker, the run manager and the
 * gateway handler. Resolves before MCP servers are up (see `mcpReady`).
 */
export async function createDemo(config: DemoConfig): Promise<Demo> {
  const logger = config.logger ?? consoleLogger;
  const cleanups: (() => Promise<void>)[] = [];
  const cleanUp = async () => {
    for (const step of cleanups.splice(0).reverse()) {
      await step().catch((error: unknown) =>
        logger.error('demo: a shutdown step failed', { error: errorDetail(error) }),
      );
    }
  };

  try {
    let sandboxDir = config.sandboxDir;
    if (sandboxDir === undefined) {
      const created = await mkdtemp(join(tmpdir(), 'claude-gateway-demo-'));
      sandboxDir = created;
      cleanups.push(() => rm(created, { recursive: true, force: true }));
    } else {
      await mkdir(sandboxDir, { recursive: true });
    }
    const sandbox = createSandbox(sandboxDir);

    // Memory, or Redis (REDIS_URL) shared with other instances. Opened before
    // MCP and the model so that a Redis that does not answer fails the start early.
    const stores = await openDemoStores(config, logger);
    cleanups.push(() => stores.close());

    const offline = config.anthropicApiKey === undefined;
    let mock: MockAnthropic | undefined;
    if (offline) {
      const started = await startMockAnthropic({
        script: createDemoModel({ delayMs: config.demoDelayMs }),
        recordRequests: false,
        logger,
      });
      mock = started;
      cleanups.push(() => started.close());
    }

    const tools = createDemoTools(sandbox);
    // Approvals and MCP servers' questions (elicitations) share one store:
    // with Redis, an answer posted to any instance reaches the waiting run.
    const approvals = createApprovalBroker({
      timeoutMs: config.approvalTimeoutMs,
      ...(stores.approvals && { store: stores.approvals }),
      logger,
    });
    const elicitations = createElicitationBroker({
      timeoutMs: config.approvalTimeoutMs,
      store: approvals.store,
      logger,
    });
    // `server-everything` plus the servers of the config files given (a
    // file entry named `everything` is replaced by ours); its
    // `trigger-elicitation-request` tool asks the person through the page.
    // The dispatcher gives each MCP call its tool call (session, run, log),
    // so a server's question reaches the person behind that run.
    const mcp = config.mcp
      ? createDemoMcp({
          ...(config.mcpJsonPath !== undefined && { mcpJsonPath: config.mcpJsonPath }),
          ...(config.claudeConfigPath !== undefined && {
            claudeConfigPath: config.claudeConfigPath,
          }),
          ...(config.projectDir !== undefined && { projectDir: config.projectDir }),
          localToolNames: tools.map((t) => t.name),
          onElicitation: elicitations.elicit,
          logger,
        })
      : undefined;
    if (mcp) cleanups.push(() => mcp.shutdown());
    let mcpTools: ToolDefinition[] = [];
    mcp?.on('tools', (definitions) => {
      mcpTools = definitions;
    });
    const mcpReady: Promise<McpServerStatus[]> = mcp
      ? mcp.startup().then(
          async (status) => {
            mcpTools = await mcp.listTools();
            return status;
          },
          (error: unknown) => {
            logger.error('demo: MCP did not start', { error: errorDetail(error) });
            return mcp.status();
          },
        )
      : Promise.resolve([]);

    const runner = createAgentRunner({
      ...(mock
        ? { apiKey: 'offline-demo', baseURL: mock.url }
        : {
            apiKey: config.anthropicApiKey,
            ...(config.anthropicBaseUrl !== undefined && { baseURL: config.anthropicBaseUrl }),
          }),
      model: config.model,
      thinking: 'adaptive',
      tools: createToolDispatcher({
        tools,
        sources: mcp ? [mcp] : [],
        approvals,
        logger,
      }),
      logger,
    });
    const runs = createRunManager({
      runner,
      events: stores.events,
      ...(stores.sessions && { sessions: stores.sessions }),
      system: SYSTEM_PROMPT,
      maxActiveRuns: config.maxActiveRuns,
      sessionTtlMs: config.sessionTtlMs,
      maxSessions: config.maxSessions,
      logger,
    });
    const streams = new AbortController();
    // Steps run last-pushed first: runs end (their logs get a terminal event),
    // open streams get a moment to deliver it and are then ended, and only
    // then do MCP, the model, the stores and the sandbox go.
    cleanups.push(async () => {
      await delay(STREAM_GRACE_MS);
      streams.abort();
    });
    cleanups.push(() => runs.close());
    const handler = createGatewayHandler({
      runs,
      approvals,
      elicitations,
      auth: { jwtSecret: config.jwtSecret },
      basePath: API_BASE_PATH,
      ...(config.allowedOrigins && { allowedOrigins: config.allowedOrigins }),
      logger,
      signal: streams.signal,
    });

    const prompts = [
      ...demoPrompts({ mcp: mcp !== undefined }),
      ...(mcp
        ? [
            {
              label: 'MCP asks you (elicitation)',
              text: 'Run trigger-elicitation-request: the MCP server asks you a few questions.',
            },
          ]
        : []),
    ];
    const localInfo: DemoToolInfo[] = tools.map((t) => ({
      name: t.name,
      description: t.description,
      source: 'local',
      gated: t.needsApproval !== undefined && t.needsApproval !== false,
    }));
    let closing: Promise<void> | undefined;

    return {
      handler,
      pageDir: PAGE_DIR,
      // The name it listens on is one it answers to (HOST=myhost.lan).
      allowedHosts: [...(config.allowedHosts ?? []), config.host],
      sandbox,
      runs,
      approvals,
      elicitations,
      store: { kind: stores.kind, description: stores.description },
      ...(mcp && { mcp }),
      mcpReady,
      info: () => ({
        model: config.model,
        offline,
        tools: [
          ...localInfo,
          ...mcpTools.map((t) => ({
            name: t.name,
            description: t.description ?? '',
            source: mcp?.sourceLabel(t.name) ?? 'mcp',
            gated: false,
          })),
        ],
        mcp: (mcp?.status() ?? []).map((s) => ({
          name: s.name,
          state: s.state,
          tools: s.tools,
          ...(s.error !== undefined && { error: s.error }),
        })),
        sandbox_dir: sandbox.dir,
        prompts,
        store: stores.kind,
      }),
      close: () => (closing ??= cleanUp()),
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
