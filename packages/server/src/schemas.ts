import { z } from 'zod';

// Request bodies of the HTTP API. Unknown fields are ignored (stripped).

/** `POST /sessions`: no fields yet. */
export const createSessionBody = z.object({});

/** `POST /sessions/:id/runs`. */
export const startRunBody = z.object({
  message: z.string().min(1, 'must be a non-empty string'),
});

/** `POST /chat`. `session_id` is needed only when the token names no session. */
export const chatBody = z.object({
  message: z.string().min(1, 'must be a non-empty string'),
  session_id: z.string().min(1).optional(),
});

/** `POST /runs/:id/elicitations`; `content` is checked against the requested schema by the broker. */
export const elicitationBody = z.object({
  elicitation_id: z.string().min(1, 'must be a non-empty string'),
  nonce: z.string().min(1, 'must be a non-empty string'),
  action: z.enum(['accept', 'decline', 'cancel']),
  content: z.record(z.string(), z.unknown()).optional(),
});

/** `POST /runs/:id/approvals`. */
export const approvalBody = z.object({
  tool_use_id: z.string().min(1, 'must be a non-empty string'),
  nonce: z.string().min(1, 'must be a non-empty string'),
  approved: z.boolean(),
  allow_tool_type: z.boolean().optional(),
});
