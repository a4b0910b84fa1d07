import { pino, type Logger } from 'pino';

/** The root logger: structured JSON on stdout, level from LOG_LEVEL (default info). */
export function createLogger(bindings: Record<string, unknown> = {}): Logger {
  return pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'gpu-health-monitor', ...bindings } });
}

export type { Logger };
