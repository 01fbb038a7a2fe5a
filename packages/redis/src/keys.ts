/**
 * Key names under one prefix. The Lua scripts build the same names from the
 * prefix (they reach a run's session, or a session's runs), so a store set
 * needs one Redis (or a primary with replicas), not a Redis Cluster.
 */
export interface Keys {
  readonly prefix: string;
  logMeta(runId: string): string;
  logStream(runId: string): string;
  session(sessionId: string): string;
  history(sessionId: string): string;
  sessionRuns(sessionId: string): string;
  /** Sorted set: session id by lastActiveAt. */
  readonly sessions: string;
  run(runId: string): string;
  lease(runId: string): string;
  /** Sorted set: run id by lease deadline, for the sweep. */
  readonly leases: string;
  cancelCount(runId: string): string;
  cancelChannel(runId: string): string;
  approval(toolUseId: string): string;
  approvalChannel(toolUseId: string): string;
  allowed(sessionId: string): string;
  wake(hubId: string): string;
}

/** The key names of a store set with `prefix`. */
export function createKeys(prefix: string): Keys {
  return {
    prefix,
    logMeta: (runId) => `${prefix}log:${runId}:meta`,
    logStream: (runId) => `${prefix}log:${runId}:stream`,
    session: (sessionId) => `${prefix}session:${sessionId}`,
    history: (sessionId) => `${prefix}session:${sessionId}:history`,
    sessionRuns: (sessionId) => `${prefix}session:${sessionId}:runs`,
    sessions: `${prefix}sessions`,
    run: (runId) => `${prefix}run:${runId}`,
    lease: (runId) => `${prefix}run:${runId}:lease`,
    leases: `${prefix}leases`,
    cancelCount: (runId) => `${prefix}run:${runId}:cancel`,
    cancelChannel: (runId) => `${prefix}cancel:${runId}`,
    approval: (toolUseId) => `${prefix}approval:${toolUseId}`,
    approvalChannel: (toolUseId) => `${prefix}approval:${toolUseId}`,
    allowed: (sessionId) => `${prefix}allowed:${sessionId}`,
    wake: (hubId) => `${prefix}hub:${hubId}`,
  };
}

/** The same names in Lua (`p` is the prefix). */
export const LUA_KEYS = `
local function k_log_meta(p, rid) return p .. 'log:' .. rid .. ':meta' end
local function k_log_stream(p, rid) return p .. 'log:' .. rid .. ':stream' end
local function k_session(p, sid) return p .. 'session:' .. sid end
local function k_run(p, rid) return p .. 'run:' .. rid end
`;
