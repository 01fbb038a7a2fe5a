import { defineProject } from 'vitest/config';
import { packageConfig } from '@claude-gateway/vitest-config';

export default defineProject(packageConfig(import.meta.url));
