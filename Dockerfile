# syntax=docker/dockerfile:1
# One image for the four services. SERVICE (build arg, also settable at run time) picks
# services/$SERVICE/src/main.ts; code runs from source with tsx, as in development (no build step).

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
# tsx is a dev dependency and runs the services, so dev dependencies stay in.
RUN npm ci --no-audit --no-fund && npm cache clean --force
COPY . .
# The Prisma clients are generated, not committed; this works offline too (see packages/platform/README.md).
RUN npm run db -- generate
USER node
# Last, so all four services share every layer above.
ARG SERVICE=order
ENV SERVICE=${SERVICE}
EXPOSE 8001 8002 8003 8004
CMD ["sh", "-c", "exec npx tsx services/$SERVICE/src/main.ts"]
