import pino, { type Logger } from 'pino';

export type { Logger };

/** One structured logger for every process; each names itself with `process`. */
export function createLogger(
  processName: string,
  level = process.env.DAMSON_LOG_LEVEL ?? 'info',
): Logger {
  return pino({ level, base: { process: processName, pid: process.pid } });
}
