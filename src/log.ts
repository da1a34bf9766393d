import { pino } from 'pino';

/** The process logger (pino, JSON lines on stdout). Level from `TESSERA_LOG_LEVEL` (default info). */
export const logger = pino({ level: process.env['TESSERA_LOG_LEVEL'] ?? 'info', base: undefined });
