#!/usr/bin/env bash
# Installs the real tools of the tool test tier (DESIGN.md section 7, tier 4) into
# <repo>/.cache/tools/bin/:
#   promtool, prometheus  built from the Prometheus Go module, at the version of
#                         Images.prometheus in lib/core/images.ts
#   amtool, alertmanager  built from the Alertmanager Go module, at the version of
#                         Images.alertmanager (without its generated web UI)
# Idempotent: each step is skipped when its binaries exist and its version stamp matches.
# Needs Go (with the Go module proxy).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS="$REPO/.cache/tools"
BIN="$TOOLS/bin"
mkdir -p "$BIN"

if ! command -v go >/dev/null; then
  echo "install-tools: Go is needed to build the tools from their modules" >&2
  exit 1
fi

# The tag of an image of Images in lib/core/images.ts, e.g. `image_tag prometheus` -> v3.16.0.
image_tag() {
  local image
  image="$(sed -n "s/^[[:space:]]*$1: '\([^']*\)'.*/\1/p" "$REPO/lib/core/images.ts")"
  echo "${image##*:}"
}

# Debian's promtool is built without Kubernetes service discovery, so it rejects our
# kubernetes_sd_configs; hence the build from source. `remove_all_sd` drops every
# service discovery plugin (one of them, nomad, pulls a module the proxy answers 403 for)
# and `enable_kubernetes_sd` adds the one we use back (see plugins/plugin_kubernetes.go).
PROM_TAGS="remove_all_sd enable_kubernetes_sd"

# The Go module of Prometheus 3.X.Y is github.com/prometheus/prometheus v0.3XX.Y
# (zero-padded minor); derived from the image tag so the tool and the image stay in sync.
prom_tag="$(image_tag prometheus)"
if [[ ! "$prom_tag" =~ ^v3\.([0-9]+)\.([0-9]+)$ ]]; then
  echo "install-tools: cannot derive the Prometheus module version from tag '$prom_tag' (expected v3.X.Y)" >&2
  exit 1
fi
prom_module_version="$(printf 'v0.3%02d.%d' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}")"

# The Go module of Alertmanager 0.X.Y is github.com/prometheus/alertmanager v0.X.Y.
am_tag="$(image_tag alertmanager)"
if [[ ! "$am_tag" =~ ^v0\.[0-9]+\.[0-9]+$ ]]; then
  echo "install-tools: cannot derive the Alertmanager module version from tag '$am_tag' (expected v0.X.Y)" >&2
  exit 1
fi

# build_tools NAME MODULE VERSION DISPLAY_VERSION TAGS PREPARE COMMAND...
# Builds the COMMANDs (package paths under MODULE) of MODULE@VERSION in a throwaway module,
# whose go.mod resolves the module's own dependency versions, into $BIN. Skipped when the
# binaries exist and $TOOLS/NAME.stamp matches. PREPARE, when not empty, is a function run
# in the throwaway module before `go get`, with MODULE and VERSION as arguments.
build_tools() {
  local name="$1" module="$2" version="$3" display="$4" tags="$5" prepare="$6"
  shift 6
  local commands=("$@") command missing=0
  local stamp="$name $display module $version tags [$tags] go $(go env GOVERSION)"
  for command in "${commands[@]}"; do [[ -x "$BIN/${command##*/}" ]] || missing=1; done
  if [[ $missing == 0 && -f "$TOOLS/$name.stamp" && "$(cat "$TOOLS/$name.stamp")" == "$stamp" ]]; then
    echo "== $name: $version already built"
    return
  fi
  echo "== $name: building $module@$version${tags:+ (tags: $tags)}"
  local work
  work="$(mktemp -d)"
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" RETURN
  local common=github.com/prometheus/common/version
  (
    cd "$work"
    export GOFLAGS="-mod=mod ${GOFLAGS:-}"
    go mod init tools >/dev/null 2>&1
    if [[ -n "$prepare" ]]; then "$prepare" "$module" "$version"; fi
    go get "$module@$version"
    # `go build -o <dir>/` with several packages writes one binary per package.
    mkdir -p out
    go build -trimpath -tags "$tags" \
      -ldflags "-X $common.Version=$display -X $common.Revision=$version -X $common.Branch=module -X $common.BuildUser=install-tools.sh" \
      -o out/ "${commands[@]/#/$module/}"
    for command in "${commands[@]}"; do
      rm -f "$BIN/${command##*/}"
      mv -f "out/${command##*/}" "$BIN/"
    done
  )
  echo "$stamp" >"$TOOLS/$name.stamp"
}

# The Alertmanager module embeds its compiled web UI (ui/app/dist), which an Elm build
# generates and the module does not contain: build from a copy with a one-page placeholder
# there. Only the browser UI differs; the API, routing and notifiers are the release's code.
alertmanager_without_ui() {
  local module="$1" version="$2"
  go mod download "$module@$version"
  cp -r "$(go env GOMODCACHE)/$module@$version" src
  chmod -R u+w src
  mkdir -p src/ui/app/dist
  echo '<!doctype html><title>Alertmanager, built without its web UI</title>' >src/ui/app/dist/index.html
  go mod edit -require "$module@$version" -replace "$module=./src"
}

build_tools prometheus github.com/prometheus/prometheus "$prom_module_version" "${prom_tag#v}" "$PROM_TAGS" "" \
  cmd/promtool cmd/prometheus
build_tools alertmanager github.com/prometheus/alertmanager "$am_tag" "${am_tag#v}" "" alertmanager_without_ui \
  cmd/amtool cmd/alertmanager

echo "== tool versions ($BIN)"
for tool in promtool prometheus amtool alertmanager; do
  printf '%-13s %s\n' "$tool" "$("$BIN/$tool" --version 2>&1 | head -n 1)"
done
