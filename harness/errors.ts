/**
 * Error classes with stable `code`s (undici style). The CLI maps them to exit codes
 * (DESIGN: 104 invalid input, 105 missing system dependency, 1 harness error).
 */
export class HarnessError extends Error {
  readonly code: string = 'PSL_HARNESS';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad scenario, CLI flag, result file or API body. Message names the field and the fix. */
export class InvalidInputError extends HarnessError {
  override readonly code: string = 'PSL_INVALID_INPUT';
  constructor(message: string, readonly problems: string[] = [message]) {
    super(message);
  }
}

/** A binary or package the run needs is not installed. */
export class MissingDependencyError extends HarnessError {
  override readonly code = 'PSL_MISSING_DEPENDENCY';
  constructor(
    readonly binary: string,
    readonly installHint: string,
  ) {
    super(`missing system dependency: ${binary} not found — install it with: ${installHint}`);
  }
}

/** A server did not become ready in time. */
export class ReadinessTimeoutError extends HarnessError {
  override readonly code = 'PSL_NOT_READY';
}

/** The run was aborted (Ctrl-C, SIGTERM, abortOnFail). */
export class RunAbortedError extends HarnessError {
  override readonly code = 'PSL_ABORTED';
}
