# syntax=docker/dockerfile:1
# One image for the four services. SERVICE (build arg, also settable at run time) picks
# services/$SERVICE; each runs as compiled JavaScript (`npm run build`: esbuild bundles a service's
# sources and the workspace packages into services/<name>/dist/main.js), as `npm start` runs them.

# Only the package manifests and the lock, so `npm ci` is cached until a dependency changes.
FROM node:20-bookworm-slim AS manifests
WORKDIR /src
COPY . .
RUN mkdir /out \
 && cp package.json package-lock.json /out/ \
 && find . -name node_modules -prune -o -name package.json -not -path ./package.json -print \
    | xargs -r -I{} cp --parents {} /out/

FROM node:20-bookworm-slim
ENV CHECKPOINT_DISABLE=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY --from=manifests /out/ ./
# Dev dependencies stay in: the Prisma generator and esbuild run below.
RUN npm ci --no-audit --no-fund && npm cache clean --force
COPY . .
# The Prisma clients are generated, not committed; this works offline too (see packages/platform/README.md).
RUN npm run db -- generate && npm run build
USER node
# Last, so all four services share every layer above.
ARG SERVICE=order
ENV SERVICE=${SERVICE}
EXPOSE 8001 8002 8003 8004
CMD ["sh", "-c", "exec node --enable-source-maps services/$SERVICE/dist/main.js"]
