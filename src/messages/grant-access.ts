import { accessMessage } from './sharing.js';
import type { Message } from './types.js';

/**
 * GrantAccess (Dataverse Web API action, unbound): shares row `Target` with the user or team
 * `PrincipalAccess.Principal`, adding the rights of `PrincipalAccess.AccessMask` to those it was
 * shared with before (a grant gives, never takes away: ModifyAccess replaces). The caller needs
 * ShareAccess on the row and each right it gives (sharing.ts checkSharer). Errors: sharing.ts
 * accessMessage.
 */
export const message: Message = accessMessage('GrantAccess', true);
