# syntax=docker/dockerfile:1
# authgate container image: build with the full Node image, run on distroless as a numeric non-root user.
# The runtime stage holds only package.json, dist/ and the production node_modules; nothing is written at
# runtime, so the pod can run with readOnlyRootFilesystem. test/unit/docker/runtimeStage.test.ts rebuilds
# this runtime stage in a temp dir (by reading the COPY/RUN lines below) and runs authgate from it.

ARG NODE_IMAGE=node:22-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs22-debian12:nonroot

# --- build: compile TypeScript to dist/ (needs the dev dependencies) ---
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- deps: production dependencies only, install scripts off (none of them needs one) ---
FROM ${NODE_IMAGE} AS deps
WORKDIR /deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- runtime: distroless Node, no shell, no package manager ---
FROM ${RUNTIME_IMAGE} AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="authgate" \
      org.opencontainers.image.description="OAuth2/OIDC authenticating reverse proxy with oauth2-proxy compatible flags" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}"
ENV NODE_ENV=production
WORKDIR /app
COPY package.json ./
COPY --from=deps /deps/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# 65532 is distroless's "nonroot"; numeric so Kubernetes' runAsNonRoot can verify it without /etc/passwd.
USER 65532:65532
# 4180: HTTP (proxy, forward-auth, /ping, /ready); 44180: Prometheus metrics (--metrics-address).
EXPOSE 4180 44180
ENTRYPOINT ["/nodejs/bin/node", "/app/dist/cli.js"]
