// One 'exit' listener for every live manager (one each would trip Node's
// listener-leak warning with a dozen managers).
const exitHooks = new Set<() => void>();

const runExitHooks = (): void => {
  for (const hook of exitHooks) hook();
};

/** @internal Runs `hook` (synchronously) if the process exits before {@link removeExitHook}. */
export function addExitHook(hook: () => void): void {
  if (exitHooks.size === 0) process.once('exit', runExitHooks);
  exitHooks.add(hook);
}

/** @internal Forgets a hook of {@link addExitHook}. */
export function removeExitHook(hook: () => void): void {
  exitHooks.delete(hook);
  if (exitHooks.size === 0) process.off('exit', runExitHooks);
}
