import { consoleLogger, errorMessage, type Logger } from '@claude-gateway/core';
import type { McpServerStatus } from '@claude-gateway/mcp';
import { loadConfig, type DemoConfig } from './config.js';
import type { RunningDemo } from './demo-server.js';

/** Signals that shut the demo down gracefully. */
export const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Options of {@link runDemoMain}. */
export interface RunDemoMainOptions {
  /** Shown in the first line: `claude-gateway demo (<framework>)`. */
  framework: string;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Where the lines a person reads go. @default console.log */
  print?: (line: string) => void;
  /** @default console */
  logger?: Logger;
}

/** One line per MCP server, with its process id so nothing it leaves is a mystery. */
export function describeMcp(status: McpServerStatus[]): string[] {
  return status.map((s) => {
    const tools = s.state === 'ready' ? `, ${s.tools.length} tools` : '';
    const error = s.error !== undefined ? `: ${s.error}` : '';
    const pid = s.pid !== undefined ? ` (pid ${s.pid})` : '';
    return `MCP server ${s.name}: ${s.state}${tools}${error}${pid}`;
  });
}

/**
 * The body of both demo apps' `main.ts`: reads the environment, starts the
 * app, prints its URL and the model in use, and on SIGINT, SIGTERM or SIGHUP stops
 * accepting, ends runs and streams, shuts MCP down and exits 0. A second
 * signal exits at once (MCP process groups are still killed on exit).
 */
export async function runDemoMain(
  start: (config: DemoConfig) => Promise<RunningDemo>,
  options: RunDemoMainOptions,
): Promise<void> {
  const print = options.print ?? ((line: string) => console.log(line));
  const logger = options.logger ?? consoleLogger;
  // A closed terminal (SIGHUP, then EPIPE on every print) must not cut the
  // shutdown short: MCP servers run in their own process groups and would be left.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

  // Signals are handled from the start: one that arrives while the app is
  // starting (MCP servers may already be spawned) shuts it down once started.
  let starting: Promise<RunningDemo> | undefined;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      print(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    print(`${signal}: shutting down (ending runs and streams, stopping MCP servers)`);
    if (!starting) process.exit(0);
    starting
      .then((running) => running.close())
      .then(
        () => {
          print('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error(`claude-gateway demo: shutdown failed: ${errorMessage(error)}`);
          process.exit(1);
        },
      );
  };
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, stop);

  let running: RunningDemo;
  let config: DemoConfig;
  try {
    config = loadConfig(options.env ?? process.env, { logger });
    starting = start(config);
    running = await starting;
  } catch (error) {
    logger.error(`claude-gateway demo: could not start: ${errorMessage(error)}`);
    process.exit(1);
  }
  if (stopping) return;
  const info = running.demo.info();
  print(`claude-gateway demo (${options.framework}) on ${running.url}`);
  print(
    info.offline
      ? 'model: offline demo model (no ANTHROPIC_API_KEY; set it to talk to Claude)'
      : `model: ${info.model} (Claude API)`,
  );
  print(`sandbox folder: ${info.sandbox_dir}`);
  print(`store: ${running.demo.store.description}`);
  if (config.redisUrl !== undefined && config.sandboxDir === undefined) {
    print(
      'note: with several instances, give them one DEMO_SANDBOX_DIR: a tool runs on the instance that started the run',
    );
  }
  print(`open ${running.url} and try the one-click prompts; Ctrl-C stops the server`);
  void running.demo.mcpReady.then((status) => {
    if (!stopping) for (const line of describeMcp(status)) print(line);
  });
}
