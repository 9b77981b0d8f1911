/**
 * REST verification routes (placeholder).
 */
import type { FastifyInstance } from 'fastify';

/** Registers `/v1/providers`, `/v1/verifications` and `/admin/v1/verifications/{id}/events`. */
export function registerVerificationRoutes(_app: FastifyInstance): void {}
