/**
 * The JWS algorithms idgate accepts from apps: `private_key_jwt` assertions, DPoP proofs
 * and signed request objects (FAPI 2.0 Security Profile §5.4: PS256, ES256 or EdDSA with
 * Ed25519). `Ed25519` is the fully-specified name of EdDSA over Ed25519 (RFC 9864), which
 * current client libraries (oauth4webapi, openid-client 6) sign with. Discovery lists
 * them, and `DPoP` challenges announce them (`algs`).
 */
export const APP_SIGNING_ALGS = ['ES256', 'PS256', 'EdDSA', 'Ed25519'] as const;

/** A JWS algorithm idgate accepts from apps. */
export type AppSigningAlg = (typeof APP_SIGNING_ALGS)[number];
