/**
 * The authorization endpoint and its hosted pages (placeholder).
 */
import type { FastifyInstance } from 'fastify';

/** Registers `/authorize` and the hosted pages. */
export function registerAuthorizeRoutes(_app: FastifyInstance): void {}
