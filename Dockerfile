# One image for every cluster process: `pipeline stage NAME`, `pipeline topics create`, `pipeline migrate`,
# `pipeline api`, `pipeline sim`.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY wasm/xgboost-node-wasm/package.json wasm/xgboost-node-wasm/package.json
RUN npm ci --ignore-scripts
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY --from=build /app/package.json package.json
# Read at run time: Avro schemas, SQL migrations, the wasm model package.
COPY --from=build /app/avro avro
COPY --from=build /app/schema schema
COPY --from=build /app/wasm/xgboost-node-wasm wasm/xgboost-node-wasm
RUN printf '#!/bin/sh\nexec node /app/dist/pipeline/cli.js "$@"\n' > /usr/local/bin/pipeline && chmod +x /usr/local/bin/pipeline
USER node
EXPOSE 9464
ENTRYPOINT []
CMD ["pipeline", "--help"]
