# syntax=docker/dockerfile:1
# One image for every service: each runs as compiled JavaScript (`npm run build`: esbuild bundles a
# service's sources, the workspace packages and its generated Prisma client into
# services/<name>/dist/main.js; npm dependencies stay external), as `npm start` runs them. Compose
# builds this image once and gives each service its command (`node --enable-source-maps
# services/<name>/dist/main.js`); without one, SERVICE (default order) picks the service.
#
# Stages: `build` has every dependency (the Prisma generator, esbuild, tsx) and is also what the
# compose file's one-shot `init` runs (topics, migrations, schemas, tokens); the final stage has the
# bundles, the production dependencies and tini, and runs as the unprivileged `node` user.
# Install scripts never run (--ignore-scripts; package.json's allowScripts denies them too): see
# README "Security" for why each one skipped is safe.
# Pinned to a release (Node 24 LTS); tests/compose checks every image of the topology is pinned.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# Only the package manifests and the lock, so `npm ci` is cached until a dependency changes.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /out \
 && cp package.json package-lock.json /out/ \
 && find . -name node_modules -prune -o -name package.json -not -path ./package.json -print \
    | xargs -r -I{} cp --parents {} /out/

FROM ${NODE_IMAGE} AS build
ENV CHECKPOINT_DISABLE=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY --from=manifests /out/ ./
RUN npm ci --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY . .
# The Prisma clients are generated, not committed; this works offline too (see packages/platform/README.md).
# `npm run build` generates each of them once: turbo runs generate:prisma before build:services (no turbo
# cache here: .dockerignore keeps .turbo out), and the build's own `db generate --if-stale` then finds
# every client newer than its schema. A separate `npm run db -- generate` first would generate them twice.
# Every service's bundle (whatever `npm run build` builds, the console included) gathered under /bundles
# for the final stage, without the sources beside them.
RUN npm run build \
 && for dist in services/*/dist; do mkdir -p "/bundles/$dist" && cp -R "$dist/." "/bundles/$dist/"; done
# The named volumes init writes (the development issuer's keys, Prometheus' token) take their owner from
# these mount points when Docker first creates them; without them they would be root's, and init runs as node.
RUN mkdir -p /orderflow-dev-jwks /orderflow-metrics-token \
 && chown node:node /orderflow-dev-jwks /orderflow-metrics-token
USER node

# Production dependencies only: what the bundles require (npm ls in README "Security"). The Prisma
# CLI and its engines are an optional peer of @prisma/client that npm keeps; the services never run
# them (Prisma 7 with the pg driver adapter has no native engine), so they are removed.
FROM ${NODE_IMAGE} AS runtime-deps
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY --from=manifests /out/ ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/prisma node_modules/@prisma/engines node_modules/@prisma/streams-local node_modules/.bin/prisma \
 && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
# tini as PID 1: it forwards SIGTERM to node (which drains and exits, see lifecycle.ts) and reaps
# zombies; Node as PID 1 would do neither for children. Debian's package installs /usr/bin/tini.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=runtime-deps /app/ ./
COPY --from=build /bundles/ ./
# The order service validates requests against its OpenAPI document at run time; the topic table and
# the schemas are what a console or tool reads to describe the topics.
COPY --from=build /app/schemas/ schemas/
USER node
ENV SERVICE=order
EXPOSE 8001 8002 8003 8004 8005
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["sh", "-c", "exec node --enable-source-maps services/$SERVICE/dist/main.js"]
