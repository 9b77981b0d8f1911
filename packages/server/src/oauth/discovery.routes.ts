/**
 * Discovery and JWKS routes (placeholder).
 */
import type { FastifyInstance } from 'fastify';

/** Registers `/.well-known/openid-configuration`, `/.well-known/oauth-authorization-server` and `/jwks`. */
export function registerDiscoveryRoutes(_app: FastifyInstance): void {}
