#!/usr/bin/env bash
# Builds (or finds cached) every image of the docker provider: starts dockerd if needed,
# makes the base image (docker/make-base-image.sh), then docker/<kind>/ images tagged
# php-session-lab/<kind>:<hash of the build context>. Prints one line per image with its build time.
set -euo pipefail
cd "$(dirname "$0")/.."
bash docker/ensure-dockerd.sh >/dev/null
bash docker/make-base-image.sh
exec node --import tsx harness/topology/docker/build-images-main.ts "$@"
