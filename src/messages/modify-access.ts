import { accessMessage } from './sharing.js';
import type { Message } from './types.js';

/**
 * ModifyAccess (Dataverse Web API action, unbound): replaces the rights row `Target` is shared with
 * to `PrincipalAccess.Principal` by `PrincipalAccess.AccessMask` ("replace the access rights on the
 * target record for the specified security principal", ModifyAccessRequest); `None` ends the share.
 * The caller needs ShareAccess on the row and each right it gives. Errors: sharing.ts accessMessage.
 */
export const message: Message = accessMessage('ModifyAccess', false);
