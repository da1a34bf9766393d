import { ServiceError } from '../errors.js';
import { readStatement } from '../store/execute.js';
import { laterPageRead } from '../plan/retention.js';
import { bulkRetainRead, takesRetained } from './retention.js';
import type { Message } from './types.js';

/**
 * ValidateRetentionConfig (digest §6.7), an unbound action that checks a retention policy before
 * it is saved: `POST /ValidateRetentionConfig` `{"EntityName":"<table>"?, "FetchXml":"…",
 * "Target":{…}?, "RetentionConfigId":"<guid>"?}` → `{"IsValidationSuccessful":bool,
 * "ErrorMessage":"…"|null}`. The criteria is checked exactly as BulkRetain would plan and render
 * its pages (bulkRetainRead, readStatement: well-formed FetchXML of a retention-enabled table,
 * equal to EntityName when it is given, known columns, no paging or aggregation, no more values
 * than one statement on the database takes, counting those a later page's PagingCookie seek adds:
 * laterPageRead, the worst case, so that no criteria passes here and fails on page 2). An invalid criteria is reported, never raised. Target and
 * RetentionConfigId (the policy, for Dataverse's validation plug-ins) are accepted and not used.
 */
export const message: Message = {
  Name: 'ValidateRetentionConfig',
  Kind: 'Action',
  Parameters: [
    { Name: 'Target', Type: 'mscrm.crmbaseentity', Optional: true },
    { Name: 'EntityName', Type: 'Edm.String', Optional: true },
    { Name: 'FetchXml', Type: 'Edm.String' },
    { Name: 'RetentionConfigId', Type: 'Edm.Guid', Optional: true },
  ],
  ReturnType: {
    Name: 'ValidateRetentionConfigResponse',
    Properties: [{ Name: 'ErrorMessage', Type: 'Edm.String', Nullable: true }, { Name: 'IsValidationSuccessful', Type: 'Edm.Boolean' }],
  },
  takes: takesRetained,
  async invoke(ctx, args) {
    try {
      // BulkRetain's later pages (the most values), planned and rendered as BulkRetain runs them, not run.
      readStatement(ctx.db, laterPageRead((await bulkRetainRead(ctx, { EntityName: args['EntityName'], FetchXml: args['FetchXml'] })).read));
      return { ErrorMessage: null, IsValidationSuccessful: true };
    } catch (err) {
      if (!(err instanceof ServiceError)) throw err;
      return { ErrorMessage: err.message, IsValidationSuccessful: false };
    }
  },
};
