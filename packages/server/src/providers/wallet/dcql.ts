/**
 * The DCQL query of a wallet request (OpenID4VP 1.0 §6), built from the claims the app asked
 * for and nothing more (SPEC 10, data minimisation), plus the names and birth date every
 * identity needs (`IDENTITY_CLAIMS`) and the issuing country (provenance):
 *
 * - one credential query per accepted credential (`pid_sd_jwt`, `pid_mdoc`, `mdl`); with more
 *   than one, `credential_sets` offers them as alternatives (the wallet answers any one);
 * - the identity claims are required; every other requested claim is optional: `claim_sets`
 *   lists, in order of preference, all claims, all but one optional claim each, and the
 *   required ones alone — so a PID without an address still answers, and idgate reports
 *   `address` in `missingClaims`.
 *
 * The query is checked with the `dcql` library before it is used.
 */
import { DcqlQuery } from 'dcql';
import type { WalletCredentialConfig } from '../../config/wallet-providers.js';
import { type ClaimPath, IDENTITY_CLAIMS, profileOf, WALLET_CLAIMS, type WalletClaim } from './claim-map.js';

/** One claims query (OpenID4VP 1.0 §6.3). */
export interface DcqlClaimQuery {
  readonly id: string;
  readonly path: ClaimPath;
}

/** One credential query (OpenID4VP 1.0 §6.1). */
export interface DcqlCredentialQueryJson {
  readonly id: string;
  readonly format: 'dc+sd-jwt' | 'mso_mdoc';
  readonly meta: { readonly vct_values: readonly string[] } | { readonly doctype_value: string };
  readonly claims: readonly DcqlClaimQuery[];
  readonly claim_sets?: readonly (readonly string[])[];
  readonly require_cryptographic_holder_binding: true;
}

/** A DCQL query as it travels in the request object. */
export interface DcqlQueryJson {
  readonly credentials: readonly DcqlCredentialQueryJson[];
  readonly credential_sets?: readonly { readonly options: readonly (readonly string[])[]; readonly required: true }[];
}

/** The claims query ids of one claim (`address`, or `address_1`, `address_2` … for several paths). */
function claimQueries(claim: WalletClaim | 'issuing_country', paths: readonly ClaimPath[]): DcqlClaimQuery[] {
  return paths.map((path, index) => ({ id: paths.length === 1 ? claim : `${claim}_${index + 1}`, path }));
}

/** Every set of claim ids, most complete first (see the module comment). */
function claimSets(required: readonly string[], optional: readonly (readonly string[])[]): string[][] | undefined {
  if (optional.length === 0) return undefined;
  const all = [...required, ...optional.flat()];
  const sets: string[][] = [all];
  if (optional.length > 1) {
    for (const dropped of optional) sets.push(all.filter((id) => !dropped.includes(id)));
  }
  sets.push([...required]);
  return sets;
}

/** The credential query for one accepted credential. */
function credentialQuery(credential: WalletCredentialConfig, requested: readonly string[]): DcqlCredentialQueryJson {
  const profile = profileOf(credential);
  const required: DcqlClaimQuery[] = [];
  const optional: DcqlClaimQuery[][] = [];
  for (const claim of WALLET_CLAIMS) {
    const paths = profile.claims[claim];
    if (paths === undefined) continue;
    if (IDENTITY_CLAIMS.includes(claim)) required.push(...claimQueries(claim, paths));
    else if (requested.includes(claim)) optional.push(claimQueries(claim, paths));
  }
  required.push(...claimQueries('issuing_country', [profile.issuingCountry]));
  const sets = claimSets(
    required.map((query) => query.id),
    optional.map((group) => group.map((query) => query.id)),
  );
  return {
    id: profile.id,
    format: credential.format,
    meta: credential.format === 'dc+sd-jwt' ? { vct_values: credential.vct } : { doctype_value: credential.doctype },
    claims: [...required, ...optional.flat()],
    ...(sets === undefined ? {} : { claim_sets: sets }),
    require_cryptographic_holder_binding: true,
  };
}

/**
 * The DCQL query asking a wallet for `requested` (standard claim names; others are
 * ignored) in any one of the accepted credentials.
 * @throws TypeError when the query does not pass the `dcql` library's checks (a defect)
 */
export function buildDcqlQuery(
  credentials: readonly WalletCredentialConfig[],
  requested: readonly string[],
): DcqlQueryJson {
  const queries = credentials.map((credential) => credentialQuery(credential, requested));
  const query: DcqlQueryJson = {
    credentials: queries,
    ...(queries.length > 1
      ? { credential_sets: [{ options: queries.map((entry) => [entry.id]), required: true }] }
      : {}),
  };
  try {
    DcqlQuery.validate(DcqlQuery.parse(query as never));
  } catch (cause) {
    throw new TypeError('the DCQL query idgate built is not valid', { cause });
  }
  return query;
}
