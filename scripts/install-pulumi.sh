#!/usr/bin/env bash
# Installs the real Pulumi engine of the Pulumi tier of the tool tests into
# <repo>/.cache/tools/bin/:
#   pulumi                      the Pulumi CLI (the engine), built from the Go module
#                               github.com/pulumi/pulumi/pkg/v3 at $PULUMI_VERSION, the
#                               version of the npm @pulumi/pulumi the tests run
#   pulumi-resource-kubernetes  the Kubernetes provider plugin, built from the Go module
#                               github.com/pulumi/pulumi-kubernetes/provider/v4 at
#                               $K8S_PROVIDER_MODULE_VERSION, reporting $K8S_PROVIDER_VERSION
# No language plugin: the tests run inline programs through the Automation API, whose Node
# process is the language host. The engine finds the provider on PATH (an "ambient" plugin)
# as long as PULUMI_IGNORE_AMBIENT_PLUGINS is not set.
# Idempotent: each binary is skipped when it exists and its version stamp matches.
# Needs Go (with the Go module proxy); shares its module and build caches with
# install-tools.sh and install-apiserver.sh. Cold on 2 cores, with those caches filled by
# them: the CLI about 6 minutes, the provider about 14 (its binary is about 300 MB).
set -euo pipefail

# The CLI at the version of the npm @pulumi/pulumi in package-lock.json, so the Automation
# API and the engine are one release (the proxy serves pkg/v3 at that tag).
PULUMI_VERSION=v3.245.0
PULUMI_MODULE=github.com/pulumi/pulumi/pkg/v3
# The provider is released from the subdirectory provider/ of pulumi-kubernetes, whose tags
# (v4.N.P) are not tags of that module path: the module proxy serves it only as this
# pseudo-version (`go list -m -versions` lists none; @latest resolves to it).
K8S_PROVIDER_MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4
K8S_PROVIDER_MODULE_VERSION=v4.0.0-20260115033456-f47bc2d6f199
# The version the provider reports to the engine (linked into its pkg/version.Version and
# written into its embedded schema): the one the npm @pulumi/kubernetes asks for
# (its package.json `pulumi.version`), since the module has no version of its own to report.
K8S_PROVIDER_VERSION=4.34.2

REPO="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS="$REPO/.cache/tools"
BIN="$TOOLS/bin"
mkdir -p "$BIN"

if ! command -v go >/dev/null; then
  echo "install-pulumi: Go is needed to build Pulumi from its modules" >&2
  exit 1
fi

# Warns when the npm packages installed in node_modules ask for other versions than these.
npm_version() {
  local file="$REPO/node_modules/$1/package.json"
  [[ -f "$file" ]] && node -p "const p = require('$file'); ${2:-p.version}" 2>/dev/null || true
}
npm_sdk="$(npm_version @pulumi/pulumi)"
if [[ -n "$npm_sdk" && "v$npm_sdk" != "$PULUMI_VERSION" ]]; then
  echo "install-pulumi: warning: node_modules has @pulumi/pulumi $npm_sdk, the CLI is $PULUMI_VERSION" >&2
fi
npm_k8s="$(npm_version @pulumi/kubernetes '(p.pulumi && p.pulumi.version) || p.version')"
if [[ -n "$npm_k8s" && "$npm_k8s" != "$K8S_PROVIDER_VERSION" ]]; then
  echo "install-pulumi: warning: node_modules has @pulumi/kubernetes for provider $npm_k8s, the provider reports $K8S_PROVIDER_VERSION" >&2
fi

# The Dir or the GoMod (FIELD) of `go mod download -json MODULE@VERSION`.
module_field() {
  (cd / && go mod download -json "$2@$3") | sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\$/\1/p"
}

# Repeats in the current module the replace directives of the go.mod GOMOD that point at
# other modules (a dependency's replace directives do not apply to the module requiring
# it), skipping those that point at directories of the module's own tree.
repeat_replaces() {
  local gomod="$1" line old new
  while read -r line; do
    old="${line%% => *}" new="${line#* => }"
    case "$new" in .* | /*) continue ;; esac
    go mod edit -replace "${old/ /@}=${new/ /@}"
  done < <(awk '/^replace \(/ { block = 1; next } block && /^\)/ { block = 0; next }
    { sub(/[[:space:]]*\/\/.*/, "") } /^replace / { sub(/^replace /, ""); print; next } block && NF { print }' "$gomod")
}

# is_built NAME STAMP: the binary exists and $TOOLS/NAME.stamp is STAMP.
is_built() {
  [[ -x "$BIN/$1" && -f "$TOOLS/$1.stamp" && "$(cat "$TOOLS/$1.stamp")" == "$2" ]]
}

# build_cli: cmd/pulumi of pkg/v3 in a throwaway module that requires it, with pkg's own
# replace of github.com/atotto/clipboard (by github.com/tgummerer/clipboard) repeated and
# pkg's go.sum as the hashes. The version is linked in as the release build does.
build_cli() {
  local stamp="pulumi $PULUMI_VERSION go $(go env GOVERSION)" gomod dir work
  if is_built pulumi "$stamp"; then
    echo "== pulumi: $PULUMI_VERSION already built"
    return
  fi
  echo "== pulumi: building $PULUMI_MODULE@$PULUMI_VERSION (cmd/pulumi; about 6 minutes cold on 2 cores)"
  gomod="$(module_field GoMod "$PULUMI_MODULE" "$PULUMI_VERSION")"
  dir="$(module_field Dir "$PULUMI_MODULE" "$PULUMI_VERSION")"
  if [[ -z "$gomod" || -z "$dir" ]]; then
    echo "install-pulumi: the module proxy has no $PULUMI_MODULE@$PULUMI_VERSION" >&2
    exit 1
  fi
  work="$(mktemp -d)"
  (
    cd "$work"
    export GOFLAGS="-mod=mod ${GOFLAGS:-}"
    go mod init tools >/dev/null 2>&1
    go mod edit -require "$PULUMI_MODULE@$PULUMI_VERSION"
    repeat_replaces "$gomod"
    cp "$dir/go.sum" go.sum
    chmod u+w go.sum
    go get "$PULUMI_MODULE@$PULUMI_VERSION"
    go build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
      -o "$work/pulumi" "$PULUMI_MODULE/cmd/pulumi"
  )
  rm -f "$BIN/pulumi"
  mv -f "$work/pulumi" "$BIN/pulumi"
  rm -rf "$work"
  echo "$stamp" >"$TOOLS/pulumi.stamp"
}

# build_provider: cmd/pulumi-resource-kubernetes in a writable copy of the provider module,
# after the two steps of its own build (its Makefile): the module's
# `replace .../sdk/v4 => ../sdk` (a directory of the repository, not in the module) is
# dropped, so the sdk/v4 version its go.mod requires comes from the proxy; and `go generate`
# of cmd/pulumi-resource-kubernetes writes the embedded schema-embed.json (schema.json with
# VERSION set) and terraform-mapping-embed.json.
build_provider() {
  local name=pulumi-resource-kubernetes dir work
  local stamp="$name $K8S_PROVIDER_VERSION module $K8S_PROVIDER_MODULE_VERSION go $(go env GOVERSION)"
  if is_built "$name" "$stamp"; then
    echo "== $name: $K8S_PROVIDER_VERSION ($K8S_PROVIDER_MODULE_VERSION) already built"
    return
  fi
  echo "== $name: building $K8S_PROVIDER_MODULE@$K8S_PROVIDER_MODULE_VERSION as version $K8S_PROVIDER_VERSION (about 14 minutes cold on 2 cores)"
  dir="$(module_field Dir "$K8S_PROVIDER_MODULE" "$K8S_PROVIDER_MODULE_VERSION")"
  if [[ -z "$dir" ]]; then
    echo "install-pulumi: the module proxy has no $K8S_PROVIDER_MODULE@$K8S_PROVIDER_MODULE_VERSION" >&2
    exit 1
  fi
  work="$(mktemp -d)"
  cp -r "$dir" "$work/provider"
  chmod -R u+w "$work/provider"
  (
    cd "$work/provider"
    export GOFLAGS="-mod=mod ${GOFLAGS:-}"
    go mod edit -dropreplace github.com/pulumi/pulumi-kubernetes/sdk/v4
    (cd "cmd/$name" && VERSION="$K8S_PROVIDER_VERSION" go generate .)
    if [[ ! -s "cmd/$name/schema-embed.json" || ! -s "cmd/$name/terraform-mapping-embed.json" ]]; then
      echo "install-pulumi: go generate did not write cmd/$name/schema-embed.json and terraform-mapping-embed.json" >&2
      exit 1
    fi
    go build -trimpath \
      -ldflags "-s -w -X $K8S_PROVIDER_MODULE/pkg/version.Version=$K8S_PROVIDER_VERSION" \
      -o "$work/$name" "./cmd/$name"
  )
  rm -f "$BIN/$name"
  mv -f "$work/$name" "$BIN/$name"
  rm -rf "$work"
  echo "$stamp" >"$TOOLS/$name.stamp"
}

build_cli
build_provider

echo "== Pulumi versions ($BIN)"
printf '%-28s %s\n' pulumi "$("$BIN/pulumi" version)"
printf '%-28s %s\n' pulumi-resource-kubernetes "$(cat "$TOOLS/pulumi-resource-kubernetes.stamp")"
