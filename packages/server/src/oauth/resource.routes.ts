/**
 * Userinfo, introspection and revocation (placeholder).
 */
import type { FastifyInstance } from 'fastify';

/** Registers `/userinfo`, `/introspect`, `/revoke`. */
export function registerResourceRoutes(_app: FastifyInstance): void {}
