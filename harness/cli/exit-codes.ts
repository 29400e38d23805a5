/** CLI exit codes (DESIGN.md, k6 style for failed thresholds). */
export const ExitCode = {
  passed: 0,
  harnessError: 1,
  thresholdsFailed: 99,
  invalidInput: 104,
  missingDependency: 105,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
