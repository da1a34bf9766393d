import { organizationName } from '../store/organization-name.js';
import { dataCollection, dataCollectionType } from './data-collection.js';
import { SERVICE_VERSION } from './retrieve-version.js';
import type { ComplexTypeDefinition, EnumTypeDefinition, Message, MessageContext } from './types.js';

/* RetrieveCurrentOrganization and the complex and enumeration types of its answer. */

/** Dataverse's EndpointAccessType: the network access an endpoint has. */
const ENDPOINT_ACCESS_TYPE: EnumTypeDefinition = { Name: 'EndpointAccessType', Members: ['Default', 'Internet', 'Intranet'] };

/** Dataverse's EndpointType: the service at an endpoint, in value order (0, 1, 2). */
const ENDPOINT_TYPES = ['OrganizationService', 'OrganizationDataService', 'WebApplication'] as const;

/** Dataverse's OrganizationType members, in value order (Customer = 0 … Platform = 16). */
const ORGANIZATION_TYPES = [
  'Customer', 'Monitoring', 'Support', 'BackEnd', 'Secondary', 'CustomerTest', 'CustomerFreeTest', 'CustomerPreview',
  'Placeholder', 'TestDrive', 'MsftInvestigation', 'EmailTrial', 'Default', 'Developer', 'Trial', 'Teams', 'Platform',
];

/** `Microsoft.Dynamics.CRM.EndpointCollection`: endpoint addresses keyed by EndpointType. */
const ENDPOINT_COLLECTION: ComplexTypeDefinition = dataCollectionType('EndpointCollection', 'mscrm.EndpointType', 'Edm.String', [{ Name: 'EndpointType', Members: ENDPOINT_TYPES }]);

/** `Microsoft.Dynamics.CRM.OrganizationDetail`, its properties in Dataverse's order. */
const ORGANIZATION_DETAIL: ComplexTypeDefinition = {
  Name: 'OrganizationDetail',
  Properties: [
    { Name: 'OrganizationId', Type: 'Edm.Guid' },
    { Name: 'FriendlyName', Type: 'Edm.String' },
    { Name: 'OrganizationVersion', Type: 'Edm.String' },
    { Name: 'EnvironmentId', Type: 'Edm.String', Nullable: true },
    { Name: 'DatacenterId', Type: 'Edm.Guid' },
    { Name: 'Geo', Type: 'Edm.String', Nullable: true },
    { Name: 'TenantId', Type: 'Edm.String', Nullable: true },
    { Name: 'UrlName', Type: 'Edm.String' },
    { Name: 'UniqueName', Type: 'Edm.String' },
    { Name: 'Endpoints', Type: 'mscrm.EndpointCollection' },
    { Name: 'State', Type: 'mscrm.OrganizationState' },
    { Name: 'OrganizationType', Type: 'mscrm.OrganizationType' },
    { Name: 'SchemaType', Type: 'Edm.String', Nullable: true },
  ],
  Uses: [ENDPOINT_COLLECTION],
  Enums: [{ Name: 'OrganizationState', Members: ['Enabled', 'Disabled'] }, { Name: 'OrganizationType', Members: ORGANIZATION_TYPES }],
};

/**
 * RetrieveCurrentOrganization (unbound function; Web API reference "RetrieveCurrentOrganization
 * Function", "RetrieveCurrentOrganizationResponse", "OrganizationDetail", "EndpointCollection",
 * and the EnumTypes EndpointAccessType, EndpointType, OrganizationState, OrganizationType):
 * `GET /RetrieveCurrentOrganization(AccessType=Microsoft.Dynamics.CRM.EndpointAccessType'Default')`
 * (or `AccessType=@p1` with the literal in `@p1`) → `{"Detail":{…}}`, the caller's organization:
 * - OrganizationId: the caller's (WhoAmI's OrganizationId); FriendlyName and UniqueName: the
 *   organization row's `name`, read past the caller's privileges (any user may ask, as every
 *   client does on connect); UrlName: the first label of the request's host name;
 * - OrganizationVersion: SERVICE_VERSION (RetrieveVersion's); State: `Enabled`; OrganizationType:
 *   `Customer` ("Primary organization": the one organization the service holds);
 * - Endpoints: `OrganizationService` and `OrganizationDataService` (the SOAP and OData v2 paths
 *   Dataverse gives, `/XRMServices/2011/Organization.svc` and `…/OrganizationData.svc`, which
 *   Tessera does not serve) and `WebApplication` (the origin), all at the request's origin, the
 *   same for every AccessType (Tessera has one address);
 * - EnvironmentId, Geo, TenantId, SchemaType: null (no Power Platform environment, region,
 *   Microsoft Entra tenant or provisioning schema); DatacenterId: the empty GUID (no data center).
 * AccessType is required (missing or not a member: 400 `0x80060888`).
 */
export const message: Message = {
  Name: 'RetrieveCurrentOrganization',
  Kind: 'Function',
  Parameters: [{ Name: 'AccessType', Type: 'mscrm.EndpointAccessType', EnumType: ENDPOINT_ACCESS_TYPE }],
  ReturnType: { Name: 'RetrieveCurrentOrganizationResponse', Properties: [{ Name: 'Detail', Type: 'mscrm.OrganizationDetail' }], Uses: [ORGANIZATION_DETAIL] },
  async invoke(ctx) {
    const root = new URL(ctx.serviceRoot);
    const name = await organizationName(ctx.model, ctx.db, ctx.caller.organizationid);
    const endpoints = dataCollection([
      ['OrganizationService', `${root.origin}/XRMServices/2011/Organization.svc`],
      ['OrganizationDataService', `${root.origin}/XRMServices/2011/OrganizationData.svc`],
      ['WebApplication', `${root.origin}/`],
    ] satisfies ReadonlyArray<readonly [(typeof ENDPOINT_TYPES)[number], string]>);
    return {
      Detail: {
        OrganizationId: ctx.caller.organizationid,
        FriendlyName: name,
        OrganizationVersion: SERVICE_VERSION,
        EnvironmentId: null,
        DatacenterId: '00000000-0000-0000-0000-000000000000',
        Geo: null,
        TenantId: null,
        UrlName: root.hostname.split('.')[0],
        UniqueName: name,
        Endpoints: endpoints,
        State: 'Enabled',
        OrganizationType: 'Customer',
        SchemaType: null,
      },
    };
  },
};
