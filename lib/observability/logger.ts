import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One Powertools logger per function. Level comes from POWERTOOLS_LOG_LEVEL (or LOG_LEVEL);
 * record payloads are only ever logged at DEBUG.
 */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName });
}
