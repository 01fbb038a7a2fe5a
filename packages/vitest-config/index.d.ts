import type { UserWorkspaceConfig } from 'vitest/config';
export declare function packageConfig(
  configUrl: string,
  overrides?: UserWorkspaceConfig,
): UserWorkspaceConfig;
