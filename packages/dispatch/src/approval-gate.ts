import {
  errorDetail,
  type ApprovalReason,
  type GatewayEvent,
  type Logger,
  type ToolContext,
  type ToolOutcome,
} from '@claude-gateway/core';
import type { ApprovalBroker } from './approval-broker.js';
import { callDigest } from './approval-crypto.js';
import { cloneInput } from './clone-input.js';
import { toolError } from './tool-errors.js';

/**
 * Which calls wait for a person: a function of the tool name and (validated)
 * input, or a collection of tool names. Combined with each local tool's own
 * `needsApproval`: a call is gated when either says so.
 */
export type NeedsApproval =
  ((name: string, input: unknown) => boolean | Promise<boolean>) | Iterable<string>;

/** What the gate needs from the dispatcher. */
export interface GateSettings {
  broker: ApprovalBroker | undefined;
  approvedToolTypes: ReadonlySet<string>;
  logger: Logger;
}

const DENIALS: Record<Exclude<ApprovalReason, 'approved'>, (name: string) => ToolOutcome> = {
  denied: (name) => toolError('user_denied', `the user denied the call to ${name}`),
  expired: (name) => toolError('approval_timeout', `no decision on ${name} before it expired`),
  cancelled: (name) =>
    toolError('cancelled', `the run was cancelled while ${name} awaited approval`),
};

/**
 * The approval gate of one gated call. Resolves with `undefined` when the
 * call may run, or with the outcome that ends it. Appends
 * `tool_approval_request` before waiting and `tool_approval_decision` after,
 * and nothing else.
 */
export async function passApprovalGate(
  call: { id: string; name: string; input: unknown },
  ctx: ToolContext,
  settings: GateSettings,
): Promise<ToolOutcome | undefined> {
  const { broker, logger } = settings;
  const { name } = call;
  if (settings.approvedToolTypes.has(name)) return undefined;
  if (!broker) {
    return toolError(
      'approval_required',
      `${name} needs a person's approval and no approval broker is configured`,
    );
  }
  try {
    return await waitForPerson(call, ctx, broker, logger);
  } catch (error) {
    // A store that fails cannot approve anything: deny, never fail open.
    logger.error('approval gate failed', { toolUseId: call.id, error: errorDetail(error) });
    return toolError('approval_required', `approval for ${name} could not be obtained`);
  }
}

async function waitForPerson(
  call: { id: string; name: string; input: unknown },
  ctx: ToolContext,
  broker: ApprovalBroker,
  logger: Logger,
): Promise<ToolOutcome | undefined> {
  const { name } = call;
  if (await broker.isToolTypeAllowed(ctx.sessionId, name)) return undefined;
  if (ctx.signal.aborted) return DENIALS.cancelled(name);

  const record = await broker.request({
    toolUseId: call.id,
    sessionId: ctx.sessionId,
    // The run a person sees the request in: a sub-agent's call is decided
    // through the run that started the sub-agent.
    runId: ctx.rootRunId ?? ctx.runId,
    name,
    input: call.input,
  });
  const append = async (event: GatewayEvent): Promise<boolean> => {
    try {
      await ctx.log.append(event);
      return true;
    } catch (error) {
      logger.warn(`could not append ${event.type} to the run's log`, {
        toolUseId: call.id,
        error: errorDetail(error),
      });
      return false;
    }
  };

  const published = await append({
    type: 'tool_approval_request',
    tool_use_id: call.id,
    name,
    // Its own copy: the handler may mutate the input it gets.
    input: cloneInput(call.input),
    nonce: record.nonce,
    expires_at: record.expiresAt,
  });
  if (!published) {
    // Nobody can see the request, so nobody can decide it: close it now.
    await broker.wait(record, AbortSignal.abort());
    return toolError(
      'approval_required',
      `the approval request for ${name} could not be published`,
    );
  }

  const decision = await broker.wait(record, ctx.signal);
  await append({
    type: 'tool_approval_decision',
    tool_use_id: call.id,
    approved: decision.approved,
    reason: decision.reason,
    ...(decision.approver !== undefined ? { approver: decision.approver } : {}),
  });
  if (ctx.signal.aborted) return DENIALS.cancelled(name);
  if (decision.reason !== 'approved' || !decision.approved) {
    return DENIALS[decision.reason === 'approved' ? 'denied' : decision.reason](name);
  }
  // What runs is what the person was shown: the record binds name and input.
  if (record.name !== name || record.inputDigest !== callDigest(name, call.input)) {
    return toolError('user_denied', `the approved call to ${name} does not match what runs`);
  }
  return undefined;
}
