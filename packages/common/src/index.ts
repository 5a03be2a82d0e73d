export { CodexError } from './errors.js';
export { uuidv7 } from './ids.js';
export {
  type ConsoleLoggerOptions,
  createConsoleLogger,
  defaultLogger,
  type Logger,
  type LogLevel,
  LogThrottle,
  type LogThrottleOptions,
  setDefaultLogger,
  silentLogger,
  stderrLogger,
} from './logger.js';
export { MAX_TIMER_MS, settledWithin, timerFor } from './timers.js';
