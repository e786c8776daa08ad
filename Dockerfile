# syntax=docker/dockerfile:1
# One image for every psgraph role: `docker run IMAGE gateway|crm|hcm|psa|time|erp|embedded|seed|bootstrap-admin|…`
# (deploy/entrypoint.sh). Build: docker build -t psgraph:0.1.0 .   README "Deploy" has the rest.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# Production dependencies only: the processes run the JavaScript compiled in the build stage.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the repository's own lifecycle scripts (prepare) need sources this stage does not have, and the
# dependencies' install scripts only check what their prebuilt packages already provide.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# `npm run build` compiles the TypeScript to dist/, with the files the code reads beside itself (schemas, the browser
# IDE's files, README.md for its examples).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig*.json ./
COPY schema ./schema
COPY lib ./lib
COPY gateway ./gateway
COPY subgraphs ./subgraphs
COPY resolvers ./resolvers
COPY scripts ./scripts
COPY README.md ./
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
# tini is PID 1: it forwards SIGTERM to the role's process (which drains and exits) and reaps zombies.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
# Production unless a container says otherwise: errors masked, secrets required (README "Configuration").
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PSGRAPH_DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY deploy/entrypoint.sh ./deploy/entrypoint.sh
COPY --from=build /app/dist ./dist
# `psgraph ROLE` also works in `docker exec` / `kubectl exec`. The non-root user writes only to /tmp,
# /data (the embedded role's database, the token script's secrets) and /run/psgraph (deploy/compose.yaml mounts its
# generated secrets there; a new volume takes this directory's owner).
RUN ln -s /app/deploy/entrypoint.sh /usr/local/bin/psgraph \
  && mkdir /data /run/psgraph && chown node:node /data /run/psgraph
USER node
EXPOSE 4000 4001 4002 4003 4004 4005
# No default role: a container states what it is (`docker run IMAGE gateway`); without one it says which there are.
ENTRYPOINT ["/usr/bin/tini", "--", "/app/deploy/entrypoint.sh"]
