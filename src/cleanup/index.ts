/** Retention cleanup: the public surface the Lambda and the CLI build on. */
export { CleanupConfigError } from './errors.js';
export { parseDailyIndexName, planRetention, type RetentionOptions, type RetentionPlan } from './plan.js';
export { runCleanup, type CleanupLog, type CleanupOptions, type CleanupOutcome } from './run.js';
export { installIsmPolicy, ismIndexPattern, ismPolicy, type IsmInstallResult } from './ism.js';
