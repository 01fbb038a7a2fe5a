/**
 * Where a library reports what a person should know (throwing hooks, name
 * clashes, restarts). Every factory takes one; the default is `console`.
 */
export interface Logger {
  warn(message: string, data?: object): void;
  error(message: string, data?: object): void;
}

/** The default logger. */
export const consoleLogger: Logger = {
  warn: (message, data) => (data ? console.warn(message, data) : console.warn(message)),
  error: (message, data) => (data ? console.error(message, data) : console.error(message)),
};
