# syntax=docker/dockerfile:1
#
# idgate's image (docs/deployment.md). Two stages:
#   build    all dependencies (dev ones too), the native better-sqlite3 addon, `tsc -b`,
#            then the dev dependencies pruned away;
#   runtime  the same base image (so the addon fits its glibc and Node ABI), production
#            dependencies and the compiled output only, run as the unprivileged `node` user.
#
#   docker build -t idgate .
#   docker run --rm -p 3000:3000 idgate          # sandbox on SQLite in /var/lib/idgate
#
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# Compilers for node-gyp, used when no prebuilt better-sqlite3 binary can be fetched.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# node-gyp takes the headers of the Node.js in the image instead of downloading them.
ENV npm_config_nodedir=/usr/local
# Manifests first: the dependency layer is rebuilt only when they change.
COPY package.json package-lock.json tsconfig.base.json ./
COPY packages/errors/package.json packages/errors/
COPY packages/client/package.json packages/client/
COPY packages/server/package.json packages/server/
COPY bench/package.json bench/
RUN npm ci --no-audit --no-fund
COPY packages/errors packages/errors
COPY packages/client packages/client
COPY packages/server packages/server
RUN npm run build \
  && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    IDGATE_DATA_DIR=/var/lib/idgate
WORKDIR /app
# The data directory (SQLite, generated keys) belongs to the user idgate runs as, 0700.
RUN mkdir -p /var/lib/idgate && chown node:node /var/lib/idgate && chmod 700 /var/lib/idgate
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/packages/errors/package.json packages/errors/
COPY --from=build /app/packages/errors/dist packages/errors/dist
COPY --from=build /app/packages/client/package.json packages/client/
COPY --from=build /app/packages/client/dist packages/client/dist
COPY --from=build /app/packages/server/package.json packages/server/
COPY --from=build /app/packages/server/dist packages/server/dist
USER node
VOLUME ["/var/lib/idgate"]
# 3000: the API, OpenID Provider and hosted pages; 9464: /metrics when IDGATE_METRICS_PORT=9464.
EXPOSE 3000 9464
# Liveness only (the process answers); readiness is /readyz, for the balancer.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop) drains: see IDGATE_SHUTDOWN_TIMEOUT; give `docker stop -t` more than it.
STOPSIGNAL SIGTERM
CMD ["node", "packages/server/dist/main.js"]
