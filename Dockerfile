# syntax=docker/dockerfile:1
#
# LORO engine image: one image for the three processes.
#   api (default CMD)   node --import tsx api/main.ts        (serves console/dist too)
#   worker              node --import tsx worker/main.ts     (compose overrides `command`)
#   scheduler           node --import tsx scheduler/main.ts  (compose overrides `command`)
#   admin CLI           node --import tsx cli/create-admin.ts --email ... --name ...
#
# The TypeScript sources run through tsx at runtime (tsx is a production
# dependency), so there is no tsc emit step; only the console is built (vite).

# Node 20 on Debian bookworm (glibc: the @temporalio/core-bridge and @node-rs/argon2
# prebuilt binaries need it). Pin a digest too for fully reproducible builds:
#   --build-arg NODE_IMAGE=node:20.20.2-bookworm-slim@sha256:<digest>
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# ---------------------------------------------------------------------------
# deps: all dependencies (dev included) for the console build
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci

# ---------------------------------------------------------------------------
# build: vite build of the console into console/dist, workflow bundle into dist/
FROM deps AS build
COPY . .
RUN npm run build \
 && test -d console/dist && test -f dist/workflow-bundle.js

# ---------------------------------------------------------------------------
# prod-deps: production dependencies only (tsx included)
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev

# ---------------------------------------------------------------------------
# runtime
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    LORO_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app

# Sources (filtered by .dockerignore), production node_modules, built console.
# Everything stays owned by root and read-only for the app user.
COPY package.json package-lock.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY . .
COPY --from=build /app/console/dist ./console/dist
COPY --from=build /app/dist ./dist

# Non-root: the image's built-in `node` user, numerically (uid/gid 1000) so that
# runtimes enforcing runAsNonRoot can verify it. tsx keeps its transform cache
# under the OS temp dir (/tmp), which stays writable.
USER 1000:1000

EXPOSE 8080

# Liveness of the API. The worker and scheduler have no HTTP listener: compose
# disables this check for them (`docker run` users: --no-healthcheck).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/app/deploy/docker/healthcheck.mjs", "/healthz"]

CMD ["node", "--import", "tsx", "api/main.ts"]
