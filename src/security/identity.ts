/**
 * Who a verified bearer token says is calling, in Microsoft Entra ID's terms (the claims of its
 * access tokens). GUIDs are lower case.
 */
export interface Identity {
  /** The Entra object id (`oid`): a user's or a service principal's; systemuser.azureactivedirectoryobjectid. */
  readonly objectId: string;
  /**
   * Set for an application calling as itself (client credentials): its client id (`appid`/`azp`),
   * which Dataverse matches to an application user's systemuser.applicationid.
   */
  readonly applicationId?: string;
  /** The sign-in name (`upn`, `preferred_username` or `unique_name`): systemuser.domainname. */
  readonly userName?: string;
  /** `name`: systemuser.fullname. */
  readonly name?: string;
  /** `given_name`: systemuser.firstname. */
  readonly givenName?: string;
  /** `family_name`: systemuser.lastname. */
  readonly familyName?: string;
  /** `email`: systemuser.internalemailaddress. */
  readonly email?: string;
}
