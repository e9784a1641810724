#!/usr/bin/env bash
# Installs a real Kubernetes control plane for the API server check of the tool test tier
# (test/tools/apiserver.tools.test.ts) into <repo>/.cache/tools/bin/:
#   kube-apiserver, kube-controller-manager, kubectl
#                         built from the Go module k8s.io/kubernetes at $K8S_VERSION
#   etcd                  built from go.etcd.io/etcd/server/v3 at the version that
#                         k8s.io/kubernetes itself requires (and tests against)
# All four come out of one `go build` in one throwaway module, so they share the build.
# Idempotent: skipped when the binaries exist and the version stamp matches.
# Needs Go (with the Go module proxy).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS="$REPO/.cache/tools"
BIN="$TOOLS/bin"
mkdir -p "$BIN"

# Kubernetes 1.36: the newest schemas the strict-schema tests validate against (test/schemas/).
K8S_VERSION=v1.36.3
K8S_MODULE=k8s.io/kubernetes
COMMANDS=(kube-apiserver kube-controller-manager kubectl etcd)

if ! command -v go >/dev/null; then
  echo "install-apiserver: Go is needed to build the control plane from its modules" >&2
  exit 1
fi
if [[ ! "$K8S_VERSION" =~ ^v1\.([0-9]+)\.([0-9]+)$ ]]; then
  echo "install-apiserver: K8S_VERSION '$K8S_VERSION' is not v1.N.P" >&2
  exit 1
fi
k8s_minor="${BASH_REMATCH[1]}"
# The staging modules of Kubernetes 1.N.P (k8s.io/api, k8s.io/apiserver, ...) are published
# as v0.N.P.
staging_version="v0.${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"

stamp="kubernetes $K8S_VERSION staging $staging_version go $(go env GOVERSION)"
missing=0
for command in "${COMMANDS[@]}"; do [[ -x "$BIN/$command" ]] || missing=1; done
if [[ $missing == 0 && -f "$TOOLS/apiserver.stamp" && "$(cat "$TOOLS/apiserver.stamp")" == "$stamp" ]]; then
  echo "== kubernetes: $K8S_VERSION already built"
else
  echo "== kubernetes: building $K8S_MODULE@$K8S_VERSION (kube-apiserver, kube-controller-manager, kubectl) and etcd"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (
    cd "$work"
    export GOFLAGS="-mod=mod ${GOFLAGS:-}"
    go mod init tools >/dev/null 2>&1
    gomod="$(cd / && go mod download -json "$K8S_MODULE@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
    if [[ -z "$gomod" ]]; then
      echo "install-apiserver: the module proxy has no $K8S_MODULE@$K8S_VERSION" >&2
      exit 1
    fi
    # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with
    # directories of its own tree (`k8s.io/api => ./staging/src/k8s.io/api`). A dependency's
    # replace directives do not apply to the module requiring it, so each one is repeated
    # here, pointing at the published module instead.
    staging=()
    while read -r module; do staging+=("$module"); done < <(
      sed -n 's|^[[:space:]]*\(k8s\.io/[^ ]*\) => \./staging/src/k8s\.io/.*$|\1|p' "$gomod")
    if [[ ${#staging[@]} == 0 ]]; then
      echo "install-apiserver: found no staging replace directives in $K8S_MODULE@$K8S_VERSION's go.mod" >&2
      exit 1
    fi
    edits=(-require "$K8S_MODULE@$K8S_VERSION")
    for module in "${staging[@]}"; do edits+=(-replace "$module=$module@$staging_version"); done
    go mod edit "${edits[@]}"
    # etcd's own main package is a one-liner over etcdmain (etcd's root main.go does the
    # same); here in the throwaway module, so etcd resolves with Kubernetes's dependencies.
    mkdir etcd
    cat >etcd/main.go <<'EOF'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
EOF
    etcd_version="$(sed -n 's|^[[:space:]]*go\.etcd\.io/etcd/server/v3 \(v[^ ]*\).*$|\1|p' "$gomod")"
    if [[ -z "$etcd_version" ]]; then
      echo "install-apiserver: $K8S_MODULE@$K8S_VERSION's go.mod does not require go.etcd.io/etcd/server/v3" >&2
      exit 1
    fi
    go get "$K8S_MODULE@$K8S_VERSION" "go.etcd.io/etcd/server/v3@$etcd_version"
    # The version the binaries report (`kube-apiserver --version`, the /version endpoint,
    # kubectl's version skew check), as hack/lib/version.sh sets it in a release build.
    ldflags=""
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$k8s_minor"
      ldflags+=" -X $pkg.gitCommit=module -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
    done
    ldflags+=" -X go.etcd.io/etcd/api/v3/version.GitSHA=module"
    mkdir -p out
    go build -trimpath -ldflags "-s -w$ldflags" -o out/ \
      "$K8S_MODULE/cmd/kube-apiserver" "$K8S_MODULE/cmd/kube-controller-manager" "$K8S_MODULE/cmd/kubectl" ./etcd
    for command in "${COMMANDS[@]}"; do
      rm -f "$BIN/$command"
      mv -f "out/$command" "$BIN/"
    done
  )
  echo "$stamp" >"$TOOLS/apiserver.stamp"
fi

echo "== control plane versions ($BIN)"
printf '%-24s %s\n' kube-apiserver "$("$BIN/kube-apiserver" --version)"
printf '%-24s %s\n' kube-controller-manager "$("$BIN/kube-controller-manager" --version)"
printf '%-24s %s\n' kubectl "$("$BIN/kubectl" version --client | head -n 1)"
printf '%-24s %s\n' etcd "$("$BIN/etcd" --version | head -n 1)"
