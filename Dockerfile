# syntax=docker/dockerfile:1
# The app as a container: Next's standalone server (the same .next/standalone/server.js the e2e tests start,
# e2e/support/standalone-server.ts), with only what it needs at run time. See docs/deploy-topology.md.
#
#   docker build -t trpc-actions-starter .
#   docker run -p 3000:3000 -e SESSION_SECRET="$(openssl rand -base64 32)" \
#     -e SMTP_URL=smtps://user:password@smtp.example.com:465 -e MAIL_FROM=app@example.com \
#     -v starter-data:/data trpc-actions-starter
#
# Without DATABASE_URL it keeps its data in embedded PGlite on the /data volume (one container only); with it,
# any number of containers share PostgreSQL (compose.yaml runs two behind nginx and PgBouncer).

ARG NODE_IMAGE=node:24-slim

# ── Dependencies, exactly as locked. ──────────────────────────────────────────────────────────────────────────────
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# ── The production build: `npm run build` = next build + scripts/assemble-standalone.ts (static files, migrations).
FROM deps AS build
ENV NEXT_TELEMETRY_DISABLED=1
COPY . .
RUN npm run build

# ── Run time: the standalone folder only (its own trimmed node_modules, .next/static, db/migrations). ──────────────
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    HOSTNAME=0.0.0.0 \
    PORT=3000 \
    PGLITE_DIR=/data/pglite
WORKDIR /app
# The image's unprivileged `node` user (uid 1000) runs the server; it owns the app folder (Next may write its cache
# in .next, as in Next's own Dockerfile example) and the data folder.
RUN mkdir -p /data && chown node:node /data
COPY --from=build --chown=node:node /app/.next/standalone ./
USER node
VOLUME /data
EXPOSE 3000
# 200 once the database is open and migrated (server/http/health.ts). The slim image has no curl: Node asks.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node itself as PID 1: SIGTERM reaches the server, which ends its live streams and exits (server/shutdown.ts).
CMD ["node", "server.js"]
