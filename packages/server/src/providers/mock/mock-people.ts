/**
 * The people behind the sandbox test identities, as the mock providers' "upstream"
 * describes them: in a provider-native shape (`firstName`, `dateOfBirth: "19850307"`,
 * `mobile: "+46 70-123 45 67"` …), so that every sandbox verification goes through the
 * same mapping and normalization a real provider's data does.
 */

/** A person as the mock upstream sends it. */
export type MockPerson = Readonly<Record<string, unknown>>;

/** Everything the upstream knows: every standard claim, in upstream spelling. */
export const FULL_PERSON: MockPerson = Object.freeze({
  personId: 'mock-person-0001',
  firstName: 'Astrid',
  lastName: 'Lindqvist',
  dateOfBirth: '19850307',
  citizenship: 'se',
  emailAddress: 'Astrid.Lindqvist@Example.COM',
  emailVerified: true,
  mobile: '+46 70-123 45 67',
  mobileVerified: true,
  postalAddress: Object.freeze({
    street: 'Storgatan 1',
    city: 'Stockholm',
    zip: '111 22',
    country: 'se',
  }),
});

/** Only the name (the `partial` identity). */
export const NAME_ONLY_PERSON: MockPerson = Object.freeze({
  personId: 'mock-person-0002',
  firstName: 'Bertil',
  lastName: 'Nordström',
});

/** No name at all (the `missing-claims` identity). */
export const NAMELESS_PERSON: MockPerson = Object.freeze({
  personId: 'mock-person-0003',
  dateOfBirth: '19791224',
  citizenship: 'no',
});

/** Data that fails validation (the `invalid-data` identity). */
export const INVALID_PERSON: MockPerson = Object.freeze({
  personId: 'mock-person-0004',
  firstName: 'Cecilia',
  lastName: 'Ek',
  dateOfBirth: '1990-02-30',
  citizenship: 'Sweden',
  mobile: '070 123',
});

/**
 * A person who declined, at the provider's consent screen, to share the family name
 * (the `no-consent` identity): everything else is there.
 */
export const NO_CONSENT_PERSON: MockPerson = Object.freeze({
  personId: 'mock-person-0006',
  firstName: 'Elsa',
  dateOfBirth: '19880412',
  citizenship: 'se',
  emailAddress: 'elsa@example.org',
  emailVerified: true,
});

/** A second complete person, reached at LoA 2 (the `low-loa` identity). */
export const LOW_LOA_PERSON: MockPerson = Object.freeze({
  ...FULL_PERSON,
  personId: 'mock-person-0005',
  firstName: 'David',
  lastName: 'Holm',
  emailAddress: 'david.holm@example.org',
});

function copyIfPresent(from: MockPerson, fromName: string, to: Record<string, unknown>, toName: string): void {
  if (from[fromName] !== undefined) to[toName] = from[fromName];
}

/** Maps the upstream spelling onto the OpenID standard claim names (not yet normalized). */
export function standardClaimsOf(person: MockPerson): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  copyIfPresent(person, 'firstName', claims, 'given_name');
  copyIfPresent(person, 'lastName', claims, 'family_name');
  copyIfPresent(person, 'dateOfBirth', claims, 'birthdate');
  copyIfPresent(person, 'citizenship', claims, 'nationality');
  copyIfPresent(person, 'emailAddress', claims, 'email');
  copyIfPresent(person, 'emailVerified', claims, 'email_verified');
  copyIfPresent(person, 'mobile', claims, 'phone_number');
  copyIfPresent(person, 'mobileVerified', claims, 'phone_number_verified');
  const address = person.postalAddress as Readonly<Record<string, unknown>> | undefined;
  if (address !== undefined) {
    const mapped: Record<string, unknown> = {};
    copyIfPresent(address, 'street', mapped, 'street_address');
    copyIfPresent(address, 'city', mapped, 'locality');
    copyIfPresent(address, 'zip', mapped, 'postal_code');
    copyIfPresent(address, 'country', mapped, 'country');
    claims.address = mapped;
  }
  return claims;
}
