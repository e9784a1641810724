#!/usr/bin/env bash
# Installs the real tools of the tool test tier (DESIGN.md section 7, tier 4) into
# <repo>/.cache/tools/bin/:
#   promtool, prometheus  built from the Prometheus Go module, at the version of
#                         Images.prometheus in lib/core/images.ts
#   amtool, alertmanager  symlinks to Debian's prometheus-alertmanager package
# Idempotent: each step is skipped when its binaries exist and its version stamp matches.
# Needs Go (with the Go module proxy) and, for the Debian package, root or sudo.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS="$REPO/.cache/tools"
BIN="$TOOLS/bin"
mkdir -p "$BIN"

# Debian's promtool is built without Kubernetes service discovery, so it rejects our
# kubernetes_sd_configs; hence the build from source. `remove_all_sd` drops every
# service discovery plugin (one of them, nomad, pulls a module the proxy answers 403 for)
# and `enable_kubernetes_sd` adds the one we use back (see plugins/plugin_kubernetes.go).
PROM_TAGS="remove_all_sd enable_kubernetes_sd"

# The Go module of Prometheus 3.X.Y is github.com/prometheus/prometheus v0.3XX.Y
# (zero-padded minor); derived from the image tag so the tool and the image stay in sync.
prom_image="$(sed -n "s/^[[:space:]]*prometheus: '\([^']*\)'.*/\1/p" "$REPO/lib/core/images.ts")"
prom_tag="${prom_image##*:}"
if [[ ! "$prom_tag" =~ ^v3\.([0-9]+)\.([0-9]+)$ ]]; then
  echo "install-tools: cannot derive the Prometheus module version from image '$prom_image' (expected a v3.X.Y tag)" >&2
  exit 1
fi
prom_minor="${BASH_REMATCH[1]}"
prom_patch="${BASH_REMATCH[2]}"
prom_module_version="$(printf 'v0.3%02d.%d' "$prom_minor" "$prom_patch")"
prom_stamp="prometheus ${prom_tag#v} module $prom_module_version tags $PROM_TAGS go $(go env GOVERSION 2>/dev/null || echo none)"

install_prometheus() {
  if [[ -x "$BIN/promtool" && -x "$BIN/prometheus" && -f "$TOOLS/prometheus.stamp" ]] \
    && [[ "$(cat "$TOOLS/prometheus.stamp")" == "$prom_stamp" ]]; then
    echo "== promtool, prometheus: $prom_module_version already built"
    return
  fi
  if ! command -v go >/dev/null; then
    echo "install-tools: Go is needed to build promtool (Debian's lacks Kubernetes service discovery)" >&2
    exit 1
  fi
  echo "== promtool, prometheus: building github.com/prometheus/prometheus@$prom_module_version (tags: $PROM_TAGS)"
  local work
  work="$(mktemp -d)"
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" RETURN
  local common=github.com/prometheus/common/version
  (
    cd "$work"
    # A throwaway module: its go.mod resolves Prometheus' own dependency versions.
    export GOFLAGS="-mod=mod ${GOFLAGS:-}"
    go mod init tools >/dev/null 2>&1
    go get "github.com/prometheus/prometheus@$prom_module_version"
    # `go build -o <dir>/` with several packages writes one binary per package.
    mkdir -p out
    go build -trimpath -tags "$PROM_TAGS" \
      -ldflags "-X $common.Version=${prom_tag#v} -X $common.Revision=$prom_module_version -X $common.Branch=module -X $common.BuildUser=install-tools.sh" \
      -o out/ \
      github.com/prometheus/prometheus/cmd/promtool \
      github.com/prometheus/prometheus/cmd/prometheus
    mv -f out/promtool out/prometheus "$BIN/"
  )
  echo "$prom_stamp" >"$TOOLS/prometheus.stamp"
}

as_root() {
  if [[ "$(id -u)" == 0 ]]; then "$@"; else sudo "$@"; fi
}

install_alertmanager() {
  local installed=""
  installed="$(dpkg-query -W -f='${Status} ${Version}' prometheus-alertmanager 2>/dev/null || true)"
  if [[ "$installed" != "install ok installed "* ]]; then
    echo "== amtool, alertmanager: installing Debian's prometheus-alertmanager"
    # Only refresh the package lists when apt does not know the package yet.
    if ! apt-cache show prometheus-alertmanager >/dev/null 2>&1; then
      as_root apt-get update
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus-alertmanager
    installed="$(dpkg-query -W -f='${Status} ${Version}' prometheus-alertmanager)"
  fi
  local am_stamp="prometheus-alertmanager ${installed##* }"
  if [[ -L "$BIN/amtool" && -L "$BIN/alertmanager" && -f "$TOOLS/alertmanager.stamp" ]] \
    && [[ "$(cat "$TOOLS/alertmanager.stamp")" == "$am_stamp" ]]; then
    echo "== amtool, alertmanager: $am_stamp already linked"
    return
  fi
  ln -sfn /usr/bin/amtool "$BIN/amtool"
  ln -sfn /usr/bin/prometheus-alertmanager "$BIN/alertmanager"
  echo "$am_stamp" >"$TOOLS/alertmanager.stamp"
  echo "== amtool, alertmanager: linked $am_stamp"
}

install_prometheus
install_alertmanager

echo "== tool versions ($BIN)"
for tool in promtool prometheus amtool alertmanager; do
  printf '%-13s %s\n' "$tool" "$("$BIN/$tool" --version 2>&1 | head -n 1)"
done
