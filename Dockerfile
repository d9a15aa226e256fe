# syntax=docker/dockerfile:1
# One image for the four services. SERVICE (build arg, also settable at run time) picks
# services/$SERVICE; each runs as compiled JavaScript (`npm run build`: esbuild bundles a service's
# sources, the workspace packages and its generated Prisma client into services/<name>/dist/main.js;
# npm dependencies stay external), as `npm start` runs them.
#
# Stages: `build` has every dependency (the Prisma generator, esbuild, tsx) and is also what the
# compose file's one-shot `init` runs (topics, migrations, schemas); the final stage has the bundles,
# the production dependencies and nothing else, and runs as the unprivileged `node` user.
# Install scripts never run (--ignore-scripts; package.json's allowScripts denies them too): see
# README "Security" for why each one skipped is safe.
ARG NODE_IMAGE=node:24-bookworm-slim

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
RUN npm run db -- generate && npm run build
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
WORKDIR /app
COPY --from=runtime-deps /app/ ./
COPY --from=build /app/services/order/dist/ services/order/dist/
COPY --from=build /app/services/payment/dist/ services/payment/dist/
COPY --from=build /app/services/inventory/dist/ services/inventory/dist/
COPY --from=build /app/services/notification/dist/ services/notification/dist/
# The order service validates requests against its OpenAPI document at run time.
COPY --from=build /app/schemas/openapi/ schemas/openapi/
USER node
# Last, so all four services share every layer above.
ARG SERVICE=order
ENV SERVICE=${SERVICE}
EXPOSE 8001 8002 8003 8004
CMD ["sh", "-c", "exec node --enable-source-maps services/$SERVICE/dist/main.js"]
