/**
 * The JWS algorithms idgate accepts from apps: `private_key_jwt` assertions, DPoP proofs
 * and signed request objects (FAPI 2.0 Security Profile §5.4: PS256, ES256 or EdDSA).
 * Discovery lists them, and `DPoP` challenges announce them (`algs`).
 */
export const APP_SIGNING_ALGS = ['ES256', 'PS256', 'EdDSA'] as const;

/** A JWS algorithm idgate accepts from apps. */
export type AppSigningAlg = (typeof APP_SIGNING_ALGS)[number];
