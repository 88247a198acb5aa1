#!/usr/bin/env bash
# Validate the Kubernetes manifests in k8s/ and the Dockerfile.
#
#   scripts/validate_k8s.sh
#
# Checks:
#   1. Every k8s/*.yaml file parses as multi-document YAML, and every document
#      is an object with apiVersion, kind and metadata.name.
#   2. Every manifest (secret.example.yaml included) passes `kubernetes-validate`
#      (with --strict when the installed version supports it).
#   3. Project rules: every container sets cpu/memory requests and limits and
#      the hardened securityContext; namespaced objects are in `commerce`;
#      kustomization.yaml lists every manifest except secret.example.yaml;
#      the example Secret holds placeholders only. Operations: every app
#      container takes its secrets from the Secret (envFrom), every long-running
#      container has a liveness probe and web a readiness and startup probe;
#      every Deployment but beat has a PodDisruptionBudget, web and every worker
#      an HPA; beat is a singleton (1 replica, Recreate); each Celery queue of
#      config/settings/base.py has a worker Deployment of its own with tuned
#      --concurrency, --prefetch-multiplier and --max-tasks-per-child;
#      PgBouncer runs in session mode with DISCARD ALL; a default-deny
#      NetworkPolicy covers the namespace.
#   4. If kubectl is installed, `kubectl kustomize k8s` builds and its output
#      passes kubernetes-validate too.
#   5. Dockerfile: the final stage runs as a non-root USER, nothing is fetched
#      with `ADD http(s)://`, and no secrets are baked into ENV/ARG; hadolint
#      also runs when it is installed.
#
# Environment:
#   K8S_VERSION  Kubernetes version to validate against (default 1.37.0, the
#                newest schema kubernetes-validate 1.37 ships).
#   K8S_DIR      the manifests to check (default: k8s/ of the repository).
#
# Exits non-zero if any check fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
K8S_DIR="${K8S_DIR:-$ROOT/k8s}"
K8S_VERSION="${K8S_VERSION:-1.37.0}"
DOCKERFILE="$ROOT/Dockerfile"
PYTHON="$ROOT/.venv/bin/python"
KV="$ROOT/.venv/bin/kubernetes-validate"

failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
step() {
    echo
    echo "==> $*"
}

for tool in "$PYTHON" "$KV"; do
    if [[ ! -x "$tool" ]]; then
        echo "FAIL: $tool not found; create the virtualenv first" >&2
        exit 2
    fi
done
if [[ ! -d "$K8S_DIR" ]]; then
    echo "FAIL: $K8S_DIR does not exist" >&2
    exit 2
fi

shopt -s nullglob
manifests=("$K8S_DIR"/*.yaml "$K8S_DIR"/*.yml)
shopt -u nullglob
if [[ ${#manifests[@]} -eq 0 ]]; then
    echo "FAIL: no manifests in $K8S_DIR" >&2
    exit 2
fi

# kustomization.yaml is kustomize configuration, not a Kubernetes object, so
# kubernetes-validate has no schema for it; it is checked in step 3 instead.
resources=()
for f in "${manifests[@]}"; do
    case "$(basename "$f")" in
        kustomization.yaml | kustomization.yml) ;;
        *) resources+=("$f") ;;
    esac
done

# Capture --help first: piping straight into `grep -q` can end in SIGPIPE,
# which pipefail would turn into a false negative.
kv_help="$("$KV" --help 2>&1 || true)"
kv_args=()
if [[ "$kv_help" == *"--strict"* ]]; then
    kv_args+=(--strict)
fi
kv_args+=(--kubernetes-version "$K8S_VERSION")

# --------------------------------------------------------------------------
step "1. YAML multi-document parse (${#manifests[@]} files)"
if ! "$PYTHON" - "${manifests[@]}" <<'PY'; then
import sys
from pathlib import Path

import yaml

errors = 0
for name in sys.argv[1:]:
    path = Path(name)
    try:
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    except yaml.YAMLError as exc:
        print(f"  {path.name}: YAML error: {exc}")
        errors += 1
        continue
    if not docs:
        print(f"  {path.name}: no documents")
        errors += 1
        continue
    for i, doc in enumerate(docs):
        where = f"{path.name}[{i}]"
        if not isinstance(doc, dict):
            print(f"  {where}: document is not a mapping")
            errors += 1
            continue
        missing = [k for k in ("apiVersion", "kind") if not doc.get(k)]
        if doc.get("kind") != "Kustomization" and not (doc.get("metadata") or {}).get("name"):
            missing.append("metadata.name")
        if missing:
            print(f"  {where}: missing {', '.join(missing)}")
            errors += 1
    print(f"  ok  {path.name}: {len(docs)} document(s)")
sys.exit(1 if errors else 0)
PY
    fail "YAML parse"
fi

# --------------------------------------------------------------------------
step "2. kubernetes-validate ${kv_args[*]:-} (${#resources[@]} files)"
if ! "$KV" "${kv_args[@]}" "${resources[@]}"; then
    fail "kubernetes-validate on k8s/*.yaml"
fi

# --------------------------------------------------------------------------
step "3. Project rules (resources, securityContext, namespace, kustomization, example Secret)"
if ! "$PYTHON" - "$K8S_DIR" "$ROOT/config/settings/base.py" <<'PY'; then
import sys
from pathlib import Path

import yaml

NAMESPACE = "commerce"
EXAMPLE_SECRET = "secret.example.yaml"
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "StorageClass",
                  "PriorityClass", "IngressClass", "CustomResourceDefinition"}
PLACEHOLDER = "change-me"

k8s_dir = Path(sys.argv[1])
errors = []


def pod_spec(doc):
    kind = doc.get("kind")
    spec = doc.get("spec") or {}
    if kind == "Pod":
        return spec
    if kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}:
        return (spec.get("template") or {}).get("spec")
    if kind == "CronJob":
        return (((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}).get("spec")
    return None


def check_container(where, c, pod_sc):
    res = c.get("resources") or {}
    for section in ("requests", "limits"):
        for key in ("cpu", "memory"):
            if not (res.get(section) or {}).get(key):
                errors.append(f"{where}: resources.{section}.{key} is not set")
    sc = c.get("securityContext") or {}

    def effective(key):
        return sc.get(key, pod_sc.get(key))

    if effective("runAsNonRoot") is not True:
        errors.append(f"{where}: runAsNonRoot must be true")
    uid = effective("runAsUser")
    if uid is not None and uid == 0:
        errors.append(f"{where}: runAsUser must not be 0")
    if sc.get("readOnlyRootFilesystem") is not True:
        errors.append(f"{where}: readOnlyRootFilesystem must be true")
    if sc.get("allowPrivilegeEscalation") is not False:
        errors.append(f"{where}: allowPrivilegeEscalation must be false")
    if sc.get("privileged"):
        errors.append(f"{where}: privileged must not be set")
    drop = [d.upper() for d in ((sc.get("capabilities") or {}).get("drop") or [])]
    if "ALL" not in drop:
        errors.append(f"{where}: capabilities.drop must include ALL")
    if (sc.get("capabilities") or {}).get("add"):
        errors.append(f"{where}: capabilities.add must be empty")
    seccomp = (effective("seccompProfile") or {}).get("type")
    if seccomp not in {"RuntimeDefault", "Localhost"}:
        errors.append(f"{where}: seccompProfile.type must be RuntimeDefault")
    image = c.get("image") or ""
    if not image:
        errors.append(f"{where}: image is not set")


files = sorted(p for p in k8s_dir.iterdir() if p.suffix in {".yaml", ".yml"})
kustomization = None
containers_checked = 0
for path in files:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict)]
    for i, doc in enumerate(docs):
        kind = doc.get("kind")
        meta = doc.get("metadata") or {}
        where = f"{path.name}: {kind}/{meta.get('name')}"
        if kind == "Kustomization":
            kustomization = (path, doc)
            continue
        if kind not in CLUSTER_SCOPED and meta.get("namespace") != NAMESPACE:
            errors.append(f"{where}: metadata.namespace must be {NAMESPACE!r}")
        if kind == "Secret":
            if path.name != EXAMPLE_SECRET:
                errors.append(f"{where}: Secrets belong in {EXAMPLE_SECRET} (example) only")
            if doc.get("data"):
                errors.append(f"{where}: use stringData with placeholders, not data")
            for key, value in (doc.get("stringData") or {}).items():
                text = str(value)
                if PLACEHOLDER not in text and key.upper() in {
                    "DJANGO_SECRET_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                    "DB_PASSWORD", "DATABASE_URL", "REDIS_URL", "EMAIL_URL",
                }:
                    errors.append(f"{where}: {key} must be a '{PLACEHOLDER}' placeholder")
        spec = pod_spec(doc)
        if spec is None:
            continue
        pod_sc = spec.get("securityContext") or {}
        if pod_sc.get("runAsNonRoot") is not True:
            errors.append(f"{where}: pod securityContext.runAsNonRoot must be true")
        if (pod_sc.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
            errors.append(f"{where}: pod securityContext.seccompProfile must be RuntimeDefault")
        if spec.get("hostNetwork") or spec.get("hostPID") or spec.get("hostIPC"):
            errors.append(f"{where}: host namespaces must not be used")
        for group in ("initContainers", "containers"):
            for c in spec.get(group) or []:
                check_container(f"{where} {group[:-1]} {c.get('name')}", c, pod_sc)
                containers_checked += 1

if kustomization is None:
    errors.append("kustomization.yaml is missing")
else:
    kpath, kdoc = kustomization
    listed = list(kdoc.get("resources") or [])
    expected = {p.name for p in files if p != kpath and p.name != EXAMPLE_SECRET}
    if EXAMPLE_SECRET in listed:
        errors.append(f"{kpath.name}: must not list {EXAMPLE_SECRET}")
    for name in sorted(expected - set(listed)):
        errors.append(f"{kpath.name}: {name} is not listed in resources")
    for name in listed:
        if not (k8s_dir / name).exists():
            errors.append(f"{kpath.name}: listed resource {name} does not exist")
    if len(listed) != len(set(listed)):
        errors.append(f"{kpath.name}: duplicate entries in resources")


# ---- operations: probes, secrets, disruption budgets, autoscaling, queues, pooling, policies
import re

objects = [
    (path.name, doc)
    for path in files
    for doc in yaml.safe_load_all(path.read_text())
    if isinstance(doc, dict) and doc.get("kind") != "Kustomization"
]


def by_kind(kind):
    return [(name, doc) for name, doc in objects if doc.get("kind") == kind]


def pod_labels(doc):
    return ((doc.get("spec") or {}).get("template") or {}).get("metadata", {}).get("labels") or {}


def selects(selector, labels):
    wanted = (selector or {}).get("matchLabels") or {}
    return bool(wanted) and all(labels.get(k) == v for k, v in wanted.items())


def env_names(c):
    return {e.get("name") for e in c.get("env") or []}


deployments = by_kind("Deployment")
pdbs = [doc for _, doc in by_kind("PodDisruptionBudget")]
hpa_targets = {
    ((doc.get("spec") or {}).get("scaleTargetRef") or {}).get("name")
    for _, doc in by_kind("HorizontalPodAutoscaler")
}
queues_served = {}
for fname, doc in deployments:
    name = doc["metadata"]["name"]
    where = f"{fname}: Deployment/{name}"
    spec = doc.get("spec") or {}
    containers = (pod_spec(doc) or {}).get("containers") or []
    if name == "beat":
        if spec.get("replicas") != 1 or (spec.get("strategy") or {}).get("type") != "Recreate":
            errors.append(f"{where}: beat must be a singleton (replicas 1, strategy Recreate)")
    elif not any(selects(p.get("spec", {}).get("selector"), pod_labels(doc)) for p in pdbs):
        errors.append(f"{where}: no PodDisruptionBudget selects its pods")
    if (name == "web" or name.startswith("worker-")) and name not in hpa_targets:
        errors.append(f"{where}: no HorizontalPodAutoscaler targets it")
    for c in containers:
        cwhere = f"{where} container {c.get('name')}"
        image = c.get("image") or ""
        app = image.startswith("ghcr.io/example/commerce")
        if app and not any((e.get("secretRef") or {}).get("name") == "commerce-secrets" for e in c.get("envFrom") or []):
            errors.append(f"{cwhere}: must take its secrets from envFrom secretRef commerce-secrets")
        if name != "beat" and not c.get("livenessProbe"):
            errors.append(f"{cwhere}: livenessProbe is not set")
        if name == "web":
            for probe in ("readinessProbe", "startupProbe"):
                if not c.get(probe):
                    errors.append(f"{cwhere}: {probe} is not set")
        args = [str(a) for a in c.get("args") or c.get("command") or []]
        if "worker" in args and "celery" in args[0:1]:
            queues = args[args.index("-Q") + 1].split(",") if "-Q" in args else []
            if len(queues) != 1:
                errors.append(f"{cwhere}: a worker Deployment consumes exactly one queue (-Q), not {queues}")
            for q in queues:
                queues_served.setdefault(q, []).append(name)
            for flag in ("--concurrency", "--prefetch-multiplier", "--max-tasks-per-child"):
                if flag not in args:
                    errors.append(f"{cwhere}: {flag} is not set")
        if name == "pgbouncer":
            env = {e.get("name"): str(e.get("value")) for e in c.get("env") or []}
            if env.get("POOL_MODE") != "session":
                errors.append(f"{cwhere}: POOL_MODE must be session (django-tenants sets search_path per connection)")
            if env.get("SERVER_RESET_QUERY", "").upper() != "DISCARD ALL":
                errors.append(f"{cwhere}: SERVER_RESET_QUERY must be DISCARD ALL")

settings_text = Path(sys.argv[2]).read_text()
routed = set(re.findall(r'"queue":\s*"([\w.-]+)"', settings_text))
default = re.search(r'CELERY_TASK_DEFAULT_QUEUE\s*=\s*"([\w.-]+)"', settings_text)
routed |= {default.group(1)} if default else {"celery"}
for queue in sorted(routed):
    if queue not in queues_served:
        errors.append(f"Celery queue {queue!r} (config/settings/base.py) has no worker Deployment")
for queue, names in sorted(queues_served.items()):
    if len(names) > 1:
        errors.append(f"Celery queue {queue!r} is consumed by several Deployments: {names}")

default_deny = [
    doc for _, doc in by_kind("NetworkPolicy")
    if (doc.get("spec") or {}).get("podSelector") in ({}, None)
    and set((doc.get("spec") or {}).get("policyTypes") or []) == {"Ingress", "Egress"}
    and not (doc.get("spec") or {}).get("ingress") and not (doc.get("spec") or {}).get("egress")
]
if not default_deny:
    errors.append("no default-deny NetworkPolicy (podSelector {}, Ingress and Egress, no rules)")

for e in errors:
    print(f"  {e}")
print(f"  {containers_checked} container(s) checked, {len(errors)} problem(s)")
sys.exit(1 if errors else 0)
PY
    fail "project rules"
fi

# --------------------------------------------------------------------------
step "4. kustomize build"
if command -v kubectl >/dev/null 2>&1; then
    build_out="$(mktemp "${TMPDIR:-/tmp}/kustomize-build.XXXXXX")"
    trap 'rm -f "$build_out"' EXIT
    if kubectl kustomize "$K8S_DIR" >"$build_out"; then
        echo "  ok  kubectl kustomize: $(grep -c '^kind:' "$build_out") object(s)"
        if ! "$KV" "${kv_args[@]}" --quiet "$build_out"; then
            fail "kubernetes-validate on the kustomize build output"
        else
            echo "  ok  kubernetes-validate on the build output"
        fi
    else
        fail "kubectl kustomize $K8S_DIR"
    fi
else
    echo "  skipped: kubectl not installed"
fi

# --------------------------------------------------------------------------
step "5. Dockerfile checks"
if [[ ! -f "$DOCKERFILE" ]]; then
    fail "$DOCKERFILE not found"
elif ! "$PYTHON" - "$DOCKERFILE" <<'PY'; then
import re
import sys
from pathlib import Path

text = Path(sys.argv[1]).read_text()
errors = []

# Join line continuations and drop comments/blank lines to get instructions.
instructions = []
buf = ""
for raw in text.splitlines():
    line = raw.strip()
    if not buf and (not line or line.startswith("#")):
        continue
    if buf and line.startswith("#"):
        continue  # comment inside a continued instruction
    if line.endswith("\\"):
        buf += line[:-1] + " "
        continue
    instructions.append(buf + line)
    buf = ""
if buf:
    instructions.append(buf)

parsed = []
for ins in instructions:
    parts = ins.split(None, 1)
    parsed.append((parts[0].upper(), parts[1] if len(parts) > 1 else ""))

from_idx = [i for i, (op, _) in enumerate(parsed) if op == "FROM"]
if not from_idx:
    errors.append("no FROM instruction")
final_stage = parsed[from_idx[-1]:] if from_idx else parsed

users = [arg.strip() for op, arg in final_stage if op == "USER"]
if not users:
    errors.append("final stage has no USER instruction (would run as root)")
else:
    user = users[-1].split(":")[0]
    if user in {"root", "0", ""}:
        errors.append(f"final USER is {users[-1]!r}; must be non-root")

secret_name = re.compile(
    r"(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE_KEY|ACCESS_KEY|API_KEY|CREDENTIAL)", re.I
)
for op, arg in parsed:
    if op == "ADD" and re.search(r"(^|\s)(--\S+\s+)*https?://", arg):
        errors.append(f"ADD fetches a remote URL: ADD {arg}")
    if op in {"ENV", "ARG"}:
        if "=" in arg:
            names = re.findall(r"(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=", arg)
        else:
            names = arg.split()[:1]  # legacy `ENV NAME value` / `ARG NAME`
        for name in names:
            if secret_name.search(name):
                errors.append(f"{op} declares a secret-looking variable: {name}")
    if op == "RUN":
        # Inline build-time values are allowed only as obvious placeholders.
        for name, value in re.findall(r"\b([A-Z][A-Z0-9_]*)=(\S+)", arg):
            if secret_name.search(name) and "build-only" not in value:
                errors.append(f"RUN sets {name} to a non placeholder value")
    if op in {"COPY", "ADD"} and re.search(r"(^|[\s/])\.env\b|id_rsa|\.pem\b", arg):
        errors.append(f"{op} copies a secret-looking file: {arg}")

if re.search(r"AKIA[0-9A-Z]{16}", text):
    errors.append("contains something that looks like an AWS access key id")
if re.search(r"-----BEGIN [A-Z ]*PRIVATE KEY-----", text):
    errors.append("contains a private key")

for e in errors:
    print(f"  {e}")
if not errors:
    print(f"  ok  {len(parsed)} instructions, {len(from_idx)} stage(s), final USER {users[-1]}")
sys.exit(1 if errors else 0)
PY
    fail "Dockerfile checks"
fi

if ! grep -qxE '\.git/?' "$ROOT/.dockerignore" 2>/dev/null \
    || ! grep -qxE '\.venv/?' "$ROOT/.dockerignore" 2>/dev/null; then
    fail ".dockerignore must exclude .git and .venv"
else
    echo "  ok  .dockerignore excludes .git and .venv"
fi

if command -v hadolint >/dev/null 2>&1; then
    if hadolint "$DOCKERFILE"; then
        echo "  ok  hadolint"
    else
        fail "hadolint $DOCKERFILE"
    fi
else
    echo "  skipped: hadolint not installed (optional)"
fi

echo
if ((failures > 0)); then
    echo "validate_k8s: $failures check(s) FAILED" >&2
    exit 1
fi
echo "validate_k8s: all checks passed"
