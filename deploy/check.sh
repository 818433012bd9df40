#!/usr/bin/env bash
# Checks the deployment example without a container runtime (CI has none), in about a second and offline:
#   - compose.yaml is valid YAML with the services, health checks, start order and shutdown grace a load balancer
#     needs, and every variable it requires is in env.example;
#   - every setting it and the Dockerfile pass to Chorus is one of the server's flags (server/src/config.rs);
#   - the Caddyfile and nginx.conf send traffic (and /ws upgrades) to the compose services, health-checking /healthz;
#   - the Dockerfile's build stage runs only the project's own scripts (which exist and parse), with a server feature
#     that exists, and copies out what scripts/build-site.sh produces.
# The build stage's commands themselves run in CI as scripts/test.sh runs them (install-tools.sh, build-site.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
# Python with PyYAML: the system's, else the virtualenv scripts/install-tools.sh makes for the tests' S3 server.
py=python3
python3 -c 'import yaml' 2>/dev/null || py="$CHORUS_TOOLS_DIR/moto-venv/bin/python"
exec "$py" deploy/check.py
