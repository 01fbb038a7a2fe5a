/**
 * Prefix of elicitation records' keys in the approval store they share with
 * approvals: the approval broker refuses these keys, so an elicitation is
 * answered through the elicitation broker's `respond()` only.
 */
export const ELICITATION_KEY_PREFIX = 'elicitation:';
