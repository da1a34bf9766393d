import { dataStateMessage } from './retention.js';
import type { Message } from './types.js';

/**
 * Retain (digest §6.7): marks one row for long-term retention (`msft_datastate` = 1), after which
 * ordinary reads no longer see it, updates are refused, and FetchXML `datasource="retained"` and
 * PurgeRetainedContent find it. Request and response: see dataStateMessage.
 */
export const message: Message = dataStateMessage('Retain', 'retained');
