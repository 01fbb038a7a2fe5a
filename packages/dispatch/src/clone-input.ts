/**
 * A deep copy of a tool input, so what was validated, shown to a person and
 * run cannot change under us. Inputs are JSON; anything structuredClone
 * refuses (a function put there by an interceptor) is used as it is.
 */
export function cloneInput(input: unknown): unknown {
  try {
    return structuredClone(input);
  } catch {
    return input;
  }
}
