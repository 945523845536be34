import pino, { type DestinationStream, type Logger } from 'pino';
import { currentRequestId } from './request-context';

export type { Logger };

/** Every line written while serving a request names it, so one request's lines can be found. */
function requestMixin(): { requestId?: string } {
  const requestId = currentRequestId();
  return requestId === undefined ? {} : { requestId };
}

/** One structured logger for every process; each names itself with `process`. */
export function createLogger(
  processName: string,
  level = process.env.DAMSON_LOG_LEVEL ?? 'info',
  destination?: DestinationStream,
): Logger {
  const options = { level, base: { process: processName, pid: process.pid }, mixin: requestMixin };
  return destination ? pino(options, destination) : pino(options);
}
