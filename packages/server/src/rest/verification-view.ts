/**
 * How verifications, their audit trail and providers look in REST responses.
 */
import { TX_STATUS_DEFINITIONS } from '@idgate/errors';
import type { Verification, VerificationEvent } from '../domain/verification.js';
import type { ProviderOffer } from '../verification/provider-steps.js';
import type { VerifiedIdentity } from '../verification/verification.types.js';

/** `acr` of a level of assurance (SPEC 4). */
export function acrFor(loa: number): string {
  return `urn:idgate:loa:${loa}`;
}

/** The answer of `POST /v1/verifications`. */
export function createdVerificationView(verification: Verification) {
  return {
    verificationId: verification.id,
    status: verification.status,
    providerId: verification.providerId,
    flowType: verification.flowType,
    flowDetails: verification.flowDetails,
    expiresAt: verification.expiresAt.toISOString(),
    createdAt: verification.createdAt.toISOString(),
  };
}

/** Why a session ended: its status code, and the catalog code behind it when an error ended it. */
function errorView(verification: Verification, issuer: string) {
  const code = verification.statusCode;
  if (code === null) return {};
  const catalogCode = verification.errorCode;
  return {
    error: {
      code,
      description: TX_STATUS_DEFINITIONS[code].description,
      ...(catalogCode === null ? {} : { catalogCode, docUrl: `${issuer}/errors/${catalogCode}` }),
    },
  };
}

/** The answer of `GET /v1/verifications/{id}` (and of cancel). */
export function verificationView(verification: Verification, identity: VerifiedIdentity | undefined, issuer: string) {
  return {
    ...createdVerificationView(verification),
    updatedAt: verification.updatedAt.toISOString(),
    requestedLoa: verification.requestedLoa,
    requestedClaims: verification.requestedClaims,
    ...errorView(verification, issuer),
    ...(identity === undefined
      ? {}
      : {
          verifiedAt: identity.verifiedAt.toISOString(),
          loa: identity.loa,
          acr: acrFor(identity.loa),
          sub: identity.sub,
          claims: identity.claims,
          missingClaims: identity.missingClaims,
          provenance: identity.provenance,
        }),
  };
}

/** One entry of the audit trail. */
export function eventView(event: VerificationEvent) {
  return {
    from: event.from,
    to: event.to,
    statusCode: event.statusCode,
    actor: event.actor,
    at: event.at.toISOString(),
  };
}

/**
 * A provider as `GET /v1/providers` shows it to an app: the flow types the app may use,
 * and its status (`operational`, `degraded`, `unavailable`, or `maintenance`).
 */
export function providerView(offer: ProviderOffer, environment: 'sandbox' | 'production') {
  const { adapter } = offer;
  const descriptor = adapter.descriptor;
  return {
    id: descriptor.id,
    name: descriptor.name,
    flowTypes: offer.flowTypes,
    maxLoa: descriptor.maxLoa,
    loaLevels: Array.from({ length: descriptor.maxLoa }, (_, index) => index + 1),
    requiredUserData: descriptor.requiredUserData,
    claims: descriptor.claims,
    countries: descriptor.countries,
    status: offer.status,
    ...(offer.maintenance?.until ? { maintenanceUntil: offer.maintenance.until.toISOString() } : {}),
    ...(environment === 'sandbox' && adapter.testIdentities ? { testIdentities: adapter.testIdentities } : {}),
  };
}
