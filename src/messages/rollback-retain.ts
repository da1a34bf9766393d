import { dataStateMessage } from './retention.js';
import type { Message } from './types.js';

/**
 * RollbackRetain (digest §6.7): undoes Retain on one row (`msft_datastate` back to 0), so it is an
 * ordinary active row again. Dataverse runs it when a purge fails. Request and response: see
 * dataStateMessage.
 */
export const message: Message = dataStateMessage('RollbackRetain', 'active');
