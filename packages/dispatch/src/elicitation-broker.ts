import { randomBytes } from 'node:crypto';
import {
  consoleLogger,
  errorDetail,
  GatewayError,
  type GatewayEvent,
  type Logger,
  type ToolSourceCallOptions,
} from '@claude-gateway/core';
import { createApprovalBroker, DEFAULT_APPROVAL_TIMEOUT_MS, inScope } from './approval-broker.js';
import { callDigest, createNonce, nonceEquals } from './approval-crypto.js';
import type { ApprovalDecision, ApprovalRecord, ApprovalStore } from './approval-store.js';
import { applySchemaDefaults } from './elicitation-defaults.js';
import { ELICITATION_KEY_PREFIX } from './elicitation-key.js';
import { createMemoryApprovalStore } from './memory-approval-store.js';
import { createSchemaValidator, type SchemaValidator } from './schema-validator.js';

/** Default of `timeoutMs`: how long an elicitation waits for a person. */
export const DEFAULT_ELICITATION_TIMEOUT_MS = DEFAULT_APPROVAL_TIMEOUT_MS;

/** How an elicitation can end (the MCP `ElicitResult` actions). */
export type ElicitationAction = 'accept' | 'decline' | 'cancel';

/** What an MCP server asks the person (form mode). */
export interface ElicitationRequestInput {
  /** The MCP server's name. */
  server: string;
  message: string;
  /** JSON Schema (a flat object of primitive properties) of the answer's `content`. */
  requestedSchema: Record<string, unknown>;
}

/** The tool call during which the server asks: where the request is shown and who may answer. */
export type ElicitationCallContext = NonNullable<ToolSourceCallOptions['context']> & {
  /** Aborted when the run is cancelled or the server gives up. */
  signal: AbortSignal;
};

/** The answer handed back to the MCP server. */
export type ElicitationAnswer =
  { action: 'accept'; content: Record<string, unknown> } | { action: 'decline' | 'cancel' };

/** What every answer posted by a person carries. */
interface RespondFields {
  /** From the `elicitation_request` event. */
  elicitationId: string;
  /** From the `elicitation_request` event. */
  nonce: string;
  action: ElicitationAction;
  /** The answer, with `accept`: checked against the requested schema, defaults applied. */
  content?: unknown;
  /**
   * The run the answer comes from (a server passes the run of
   * `POST /runs/:id/elicitations`): a request of another run answers
   * `not_found`. @default any run
   */
  runId?: string;
}

/**
 * An answer posted by a person. As with approvals, it names the session it
 * comes from (a request of another session answers `not_found`) or says
 * `anySession: true` for a trusted back office; with neither it is refused
 * (`invalid_options`).
 */
export type RespondInput =
  | (RespondFields & { sessionId: string; anySession?: never })
  | (RespondFields & { anySession: true; sessionId?: never });

/**
 * Answer of {@link ElicitationBroker.respond}: the same statuses as
 * `ApprovalBroker.decide()`, plus `invalid_content` (with the reason) when
 * an `accept` does not match the requested schema; the request then stays
 * open for a corrected answer.
 */
export type RespondAnswer =
  | { status: 'ok' | 'not_found' | 'nonce_mismatch' | 'expired' | 'already_decided' }
  | { status: 'invalid_content'; message: string };

/** Options of {@link createElicitationBroker}. */
export interface ElicitationBrokerOptions {
  /**
   * Where pending elicitations live: the approval store (share the
   * approvals' one; with Redis an answer posted to any instance reaches the
   * run waiting on another). The store must keep the extra fields of
   * records and decisions, as the memory and Redis stores do.
   * @default createMemoryApprovalStore()
   */
  store?: ApprovalStore;
  /** How long a request waits for a person before it is answered `cancel`. @default 300_000 */
  timeoutMs?: number;
  /** Checks answers against the requested schemas. @default createSchemaValidator() */
  validator?: SchemaValidator;
  /** Where store and log failures are reported. @default consoleLogger */
  logger?: Logger;
}

/**
 * Relays MCP elicitations to the person behind a run, with the guarantees of
 * approvals: a random nonce, an expiry, first answer wins (atomically, in
 * the store), scoped to the run's session, and audit events that never hold
 * the answer's content.
 */
export interface ElicitationBroker {
  /** The store the broker uses. */
  readonly store: ApprovalStore;
  /** How long a request waits, in ms. */
  readonly timeoutMs: number;
  /**
   * Appends `elicitation_request` to the call's log, waits for the person's
   * answer, appends `elicitation_response` and resolves with the answer for
   * the server. Expiry and a cancelled run answer `cancel`; a schema that
   * cannot be checked answers `decline` without asking. Never rejects.
   * Pass it as the MCP client manager's `onElicitation`.
   */
  elicit: (
    request: ElicitationRequestInput,
    ctx: ElicitationCallContext,
  ) => Promise<ElicitationAnswer>;
  /** Records a person's answer; first answer wins. */
  respond(input: RespondInput): Promise<RespondAnswer>;
}

/** A pending elicitation in the store: an approval record with the schema the answer must match. */
interface ElicitationRecord extends ApprovalRecord {
  requestedSchema?: Record<string, unknown>;
}

/** The stored decision, with the answer (held only until the record is swept). */
interface ElicitationDecision extends ApprovalDecision {
  action?: ElicitationAction;
  content?: Record<string, unknown>;
}

const KEY_PREFIX = ELICITATION_KEY_PREFIX;
const ACTIONS = new Set<unknown>(['accept', 'decline', 'cancel']);

const keyOf = (elicitationId: string): string => `${KEY_PREFIX}${elicitationId}`;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Creates the elicitation broker.
 *
 * @example
 * ```ts
 * const store = createMemoryApprovalStore();
 * const approvals = createApprovalBroker({ store });
 * const elicitations = createElicitationBroker({ store });
 * const mcp = createMcpClientManager({ servers, onElicitation: elicitations.elicit });
 * // in the elicitation endpoint:
 * const answer = await elicitations.respond({ elicitationId, nonce, action, content, sessionId });
 * ```
 * @throws GatewayError `invalid_options` for a bad `timeoutMs`.
 */
export function createElicitationBroker(options: ElicitationBrokerOptions = {}): ElicitationBroker {
  const store = options.store ?? createMemoryApprovalStore();
  const timeoutMs = options.timeoutMs ?? DEFAULT_ELICITATION_TIMEOUT_MS;
  const logger = options.logger ?? consoleLogger;
  // The approval broker's wait: expiry and cancel close the record with a
  // compare-and-set, so a late answer can never win.
  const waiter = createApprovalBroker({ store, timeoutMs, logger });
  let validator = options.validator;
  const checkerFor = (schema: Record<string, unknown>) => {
    validator ??= createSchemaValidator();
    return validator.compile(schema);
  };

  const append = async (ctx: ElicitationCallContext, event: GatewayEvent): Promise<boolean> => {
    try {
      await ctx.log.append(event);
      return true;
    } catch (error) {
      logger.warn(`could not append ${event.type} to the run's log`, {
        toolUseId: ctx.toolUseId,
        error: errorDetail(error),
      });
      return false;
    }
  };

  const elicit = async (
    request: ElicitationRequestInput,
    ctx: ElicitationCallContext,
  ): Promise<ElicitationAnswer> => {
    try {
      checkerFor(request.requestedSchema);
    } catch (error) {
      logger.warn(
        `MCP server "${request.server}" asked for input with a schema that cannot be checked; declined`,
        {
          error: errorDetail(error),
        },
      );
      return { action: 'decline' };
    }
    if (ctx.signal.aborted) return { action: 'cancel' };
    const elicitationId = randomBytes(16).toString('base64url');
    const record: ElicitationRecord = {
      toolUseId: keyOf(elicitationId),
      sessionId: ctx.sessionId,
      // The run whose log shows the request (for a sub-agent's call, the top-level run).
      runId: ctx.rootRunId ?? ctx.runId,
      name: `${KEY_PREFIX}${request.server}`,
      inputDigest: callDigest(request.server, [request.message, request.requestedSchema]),
      nonce: createNonce(),
      expiresAt: Date.now() + timeoutMs,
      requestedSchema: request.requestedSchema,
    };
    let decision: ElicitationDecision;
    try {
      await store.create(record);
      const published = await append(ctx, {
        type: 'elicitation_request',
        elicitation_id: elicitationId,
        tool_use_id: ctx.toolUseId,
        server: request.server,
        message: request.message,
        requested_schema: request.requestedSchema,
        nonce: record.nonce,
        expires_at: record.expiresAt,
      });
      // Nobody can see the request, so nobody can answer it: close it now.
      decision = published
        ? await waiter.wait(record, ctx.signal)
        : await waiter.wait(record, AbortSignal.abort());
    } catch (error) {
      logger.error('elicitation could not be relayed', {
        toolUseId: ctx.toolUseId,
        error: errorDetail(error),
      });
      return { action: 'cancel' };
    }
    const answer = toAnswer(decision);
    const reason =
      decision.reason === 'expired' || decision.reason === 'cancelled'
        ? decision.reason
        : 'answered';
    await append(ctx, {
      type: 'elicitation_response',
      elicitation_id: elicitationId,
      action: answer.action,
      reason,
    });
    return answer;
  };

  return {
    store,
    timeoutMs,
    elicit,

    async respond(input) {
      const scoped = typeof input.sessionId === 'string' && input.sessionId !== '';
      if (scoped === (input.anySession === true)) {
        throw new GatewayError(
          'invalid_options',
          'respond() needs the sessionId the answer comes from (or anySession: true for a trusted back office)',
        );
      }
      if (typeof input.elicitationId !== 'string') return { status: 'not_found' };
      const entry = await store.get(keyOf(input.elicitationId));
      if (!entry) return { status: 'not_found' };
      const record = entry.record as ElicitationRecord;
      if (!inScope(input, record)) return { status: 'not_found' };
      if (!nonceEquals(input.nonce, record.nonce)) return { status: 'nonce_mismatch' };
      const closedAs = (decision: ApprovalDecision): RespondAnswer => ({
        status: decision.reason === 'expired' ? 'expired' : 'already_decided',
      });
      if (entry.decision) return closedAs(entry.decision);
      if (Date.now() >= record.expiresAt) {
        const expired: ApprovalDecision = {
          approved: false,
          reason: 'expired',
          decidedAt: Date.now(),
        };
        const result = await store.decide(record.toolUseId, expired);
        return result.status === 'already_decided'
          ? closedAs(result.decision)
          : { status: 'expired' };
      }
      if (!ACTIONS.has(input.action)) {
        return { status: 'invalid_content', message: '`action` must be accept, decline or cancel' };
      }
      const decision: ElicitationDecision = {
        approved: input.action === 'accept',
        reason: input.action === 'accept' ? 'approved' : 'denied',
        decidedAt: Date.now(),
        action: input.action,
      };
      if (input.action === 'accept') {
        const checked = checkContent(record.requestedSchema, input.content);
        if (typeof checked === 'string') return { status: 'invalid_content', message: checked };
        decision.content = checked;
      }
      const result = await store.decide(record.toolUseId, decision);
      if (result.status === 'ok') return { status: 'ok' };
      if (result.status === 'not_found') return { status: 'not_found' };
      return closedAs(result.decision);
    },
  };

  /** The content with defaults applied, or why it does not match. */
  function checkContent(
    schema: Record<string, unknown> | undefined,
    content: unknown,
  ): Record<string, unknown> | string {
    if (!schema) return 'the requested schema of this elicitation is not available';
    if (content !== undefined && !isPlainObject(content)) return '`content` must be a JSON object';
    let filled: Record<string, unknown>;
    let problem: string | undefined;
    try {
      filled = applySchemaDefaults(schema, structuredClone(content ?? {})) as Record<
        string,
        unknown
      >;
      problem = checkerFor(schema)(filled) ?? elicitationShapeProblem(schema, filled);
    } catch (error) {
      return `the answer could not be checked: ${errorDetail(error)}`;
    }
    return problem === undefined ? filled : problem.replace(/^input/, 'content');
  }
}

/** The server's answer for a stored decision; one posted another way than `respond()` declines. */
function toAnswer(decision: ElicitationDecision): ElicitationAnswer {
  if (decision.reason === 'expired' || decision.reason === 'cancelled') return { action: 'cancel' };
  if (decision.action === 'accept' && decision.approved && isPlainObject(decision.content)) {
    return { action: 'accept', content: decision.content };
  }
  if (decision.action === 'cancel') return { action: 'cancel' };
  return { action: 'decline' };
}

const FORMATS: Record<string, (value: string) => boolean> = {
  email: (value) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value),
  uri: (value) => {
    try {
      return /^[a-z][a-z0-9+.-]*:/i.test(value) && new URL(value).protocol !== '';
    } catch {
      return false;
    }
  },
  date: (value) => /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value)),
  'date-time': (value) =>
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) &&
    !Number.isNaN(Date.parse(value)),
};

/**
 * What MCP allows in an elicitation answer beyond the JSON Schema check: a
 * flat object of the requested properties only, each a string, number,
 * boolean or array of strings, and strings in the formats MCP names (email,
 * uri, date, date-time). The server refuses anything else, so the person
 * hears of it here (400) rather than seeing an accepted answer fail the tool.
 */
function elicitationShapeProblem(
  schema: Record<string, unknown>,
  content: Record<string, unknown>,
): string | undefined {
  const properties = isPlainObject(schema.properties) ? schema.properties : {};
  for (const [key, value] of Object.entries(content)) {
    if (!Object.hasOwn(properties, key))
      return `content has a field the form did not ask for: ${key}`;
    const ok =
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value)) ||
      (Array.isArray(value) && value.every((item) => typeof item === 'string'));
    if (!ok) return `content.${key} must be a string, number, boolean or list of strings`;
    const property = properties[key];
    const format = isPlainObject(property) ? property.format : undefined;
    const check = typeof format === 'string' ? FORMATS[format] : undefined;
    if (check && typeof value === 'string' && !check(value)) {
      return `content.${key} is not a valid ${String(format)}`;
    }
  }
  return undefined;
}
