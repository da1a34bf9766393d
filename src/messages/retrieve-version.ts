import type { Message } from './types.js';

/**
 * The version Tessera answers as its server's (RetrieveVersion, and OrganizationVersion of
 * RetrieveCurrentOrganization): `9.2` is the Web API version it serves (`/api/data/v9.2/`; the
 * v9.0 and v9.1 paths it also routes are older versions of the same API, and Dataverse answers
 * its one server version on each); build 25000 is no Microsoft build but one later than the
 * Dataverse builds that brought the messages Tessera answers (CreateMultiple / UpdateMultiple /
 * UpsertMultiple, long-term retention), so a client that gates a feature on the build finds it;
 * revision 0. Clients parse it as a four-part .NET version (XrmToolBox, the PAC CLI and the SDK's
 * ServiceClient read it on connect).
 */
export const SERVICE_VERSION = '9.2.25000.0';

/**
 * RetrieveVersion (unbound function; Web API reference "RetrieveVersion Function",
 * "RetrieveVersionResponse ComplexType"): `GET /RetrieveVersion()` →
 * `{"Version":"9.2.25000.0"}`, the SERVICE_VERSION. Takes no parameters (one given: 400
 * `0x80060888`) and no privilege.
 */
export const message: Message = {
  Name: 'RetrieveVersion',
  Kind: 'Function',
  Parameters: [],
  ReturnType: { Name: 'RetrieveVersionResponse', Properties: [{ Name: 'Version', Type: 'Edm.String' }] },
  async invoke() {
    return { Version: SERVICE_VERSION };
  },
};
