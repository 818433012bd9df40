"""Static checks of deploy/ (see deploy/check.sh)."""
import os
import re
import subprocess
import sys

import yaml

problems = []


def check(ok, message):
    if not ok:
        problems.append(message)


root = os.getcwd()
read = lambda p: open(os.path.join(root, p), encoding="utf-8").read()

compose_text = read("deploy/compose.yaml")
compose = yaml.safe_load(compose_text)
services = compose.get("services", {})
for name in ["postgres", "minio", "chorus-1", "chorus-2", "caddy"]:
    check(name in services, f"compose.yaml: no service {name}")

# The server's settings: every `env = "NAME"` of server/src/config.rs.
config_rs = read("server/src/config.rs")
flags = set(re.findall(r'env = "([A-Z0-9_]+)"', config_rs))
check("CHORUS_STORAGE" in flags and "DATABASE_URL" in flags, "config.rs: flags not found")

chorus = [services.get(n, {}) for n in ["chorus-1", "chorus-2"]]
for name, svc in zip(["chorus-1", "chorus-2"], chorus):
    env = svc.get("environment", {})
    check(env.get("CHORUS_STORAGE", "").startswith("s3://"), f"{name}: uploads must go to object storage")
    check(env.get("DATABASE_URL", "").startswith("postgres://"), f"{name}: must use PostgreSQL")
    for key in env:
        check(key in flags, f"{name}: {key} is not a Chorus setting (server/src/config.rs)")
    hc = svc.get("healthcheck", {})
    check("/healthz" in " ".join(hc.get("test", [])), f"{name}: no health check on /healthz")
    check(svc.get("stop_signal") == "SIGTERM", f"{name}: stop_signal must be SIGTERM (graceful shutdown)")
    grace = str(svc.get("stop_grace_period", "0s"))
    check(grace.endswith("s") and int(grace[:-1]) >= 20, f"{name}: stop_grace_period must leave the 15 s drain time")
    deps = svc.get("depends_on", {})
    for dep in ["postgres", "minio"]:
        check(deps.get(dep, {}).get("condition") == "service_healthy", f"{name}: must wait for a healthy {dep}")
    check(svc.get("build", {}).get("dockerfile") == "deploy/Dockerfile", f"{name}: must build deploy/Dockerfile")
    check(svc.get("build", {}).get("context") == "..", f"{name}: the build context must be the repository")
for dep in ["postgres", "minio"]:
    check("healthcheck" in services.get(dep, {}), f"{dep}: no health check (the Chorus processes wait for it)")
caddy = services.get("caddy", {})
check(all(caddy.get("depends_on", {}).get(n, {}).get("condition") == "service_healthy" for n in ["chorus-1", "chorus-2"]),
      "caddy: must wait for healthy Chorus processes")
check("./Caddyfile:/etc/caddy/Caddyfile:ro" in caddy.get("volumes", []), "caddy: the Caddyfile is not mounted")

# Every ${VAR:?…} compose requires is given in env.example.
required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", compose_text))
example = dict(l.split("=", 1) for l in read("deploy/env.example").splitlines() if "=" in l and not l.startswith("#"))
for var in sorted(required):
    check(var in example, f"env.example: {var} is required by compose.yaml")
check(len(example.get("S3_SECRET_ACCESS_KEY", "")) >= 8, "env.example: MinIO wants a secret of 8 characters or more")

# The proxies: both processes, /healthz, WebSocket upgrades.
caddyfile = read("deploy/Caddyfile")
for n in ["chorus-1:3000", "chorus-2:3000"]:
    check(n in caddyfile, f"Caddyfile: {n} is not an upstream")
    check(n in read("deploy/nginx.conf"), f"nginx.conf: {n} is not an upstream")
check("health_uri /healthz" in caddyfile, "Caddyfile: no active health check on /healthz")
nginx = read("deploy/nginx.conf")
check("proxy_set_header Upgrade $http_upgrade" in nginx and "location /ws" in nginx, "nginx.conf: no WebSocket upgrade")
lib_rs = read("server/src/lib.rs")
check('.route("/healthz"' in lib_rs, "the server has no /healthz route")
check('get(ws::upgrade)' in lib_rs and '"/ws"' in lib_rs, "the server has no /ws route")

# The Dockerfile: two stages; the build stage runs the project's scripts only.
dockerfile = read("deploy/Dockerfile")
stages = re.findall(r"^FROM \S+ AS (\S+)", dockerfile, re.M)
check(stages == ["build", "runtime"], f"Dockerfile: stages {stages}, expected build and runtime")
build_stage = dockerfile.split("AS runtime")[0]
for run in re.findall(r"^RUN (.+(?:\\\n.+)*)", build_stage, re.M):
    run = run.replace("\\\n", " ")
    if run.startswith("apt-get"):
        continue
    m = re.fullmatch(r"bash (scripts/[\w.-]+\.sh)", run.strip())
    check(m is not None, f"Dockerfile: build step {run!r} is not one of the project's scripts")
    if m:
        script = m.group(1)
        check(os.path.exists(script), f"Dockerfile: {script} does not exist")
        if os.path.exists(script):
            r = subprocess.run(["bash", "-n", script], capture_output=True, text=True)
            check(r.returncode == 0, f"{script} does not parse: {r.stderr.strip()}")
for env_var in re.findall(r"^\s*(?:ENV )?([A-Z][A-Z0-9_]+)=", dockerfile, re.M):
    if env_var.startswith(("CHORUS_", "LEPTOS_", "AWS_", "DATABASE_")) and env_var not in {
        "CHORUS_TOOLS_DIR", "CHORUS_SKIP_BROWSER", "CHORUS_SKIP_TEST_SERVERS", "CHORUS_SERVER_FEATURES"
    }:
        check(env_var in flags, f"Dockerfile: {env_var} is not a Chorus setting")
for var in ["CHORUS_SKIP_BROWSER", "CHORUS_SKIP_TEST_SERVERS"]:
    check(var in read("scripts/install-tools.sh"), f"install-tools.sh does not read {var}")
check("CHORUS_SERVER_FEATURES" in read("scripts/build-site.sh"), "build-site.sh does not read CHORUS_SERVER_FEATURES")
feature = re.search(r"CHORUS_SERVER_FEATURES=(\S+)", dockerfile)
server_toml = read("server/Cargo.toml")
check(feature is not None and re.search(rf"^{re.escape(feature.group(1))} = ", server_toml, re.M) is not None,
      "Dockerfile: CHORUS_SERVER_FEATURES names no feature of server/Cargo.toml")
for src in ["/src/target/release/chorus", "/src/target/site"]:
    check(f"COPY --from=build {src} " in dockerfile, f"Dockerfile: does not copy {src} out of the build stage")
site = read("scripts/build-site.sh")
check("--profile \"$profile\"" in site and "SITE=target/site" in site, "build-site.sh: outputs moved")
check("HEALTHCHECK" in dockerfile and "/healthz" in dockerfile, "Dockerfile: no HEALTHCHECK on /healthz")
check("STOPSIGNAL SIGTERM" in dockerfile, "Dockerfile: no STOPSIGNAL SIGTERM")

if problems:
    for p in problems:
        print(f"[deploy] {p}", file=sys.stderr)
    sys.exit(1)
print(f"[deploy] compose.yaml, Dockerfile, Caddyfile and nginx.conf check out ({len(services)} services)")
