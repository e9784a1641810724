#!/usr/bin/env bash
# Installs the real tools of the tool test tier (docs/architecture.md#7-verification-tiers, tier 4) into
# <repo>/.cache/tools/bin/:
#   promtool, prometheus  built from the Prometheus Go module, at the version of
#                         Images.prometheus in lib/core/images.ts
#   amtool, alertmanager  built from the Alertmanager Go module, at the version of
#                         Images.alertmanager (without its generated web UI)
#   jaeger, es-index-cleaner
#                         built from the Jaeger Go module, at the version of Images.jaeger
#                         (and of Images.jaegerIndexCleaner, which must match), with
#                         Jaeger's own placeholder page in place of its web UI
#   oauth2-proxy          built from its Go module, at the version of Images.oauth2Proxy
#   thanos                built from the Thanos Go module, at the version of Images.thanos
#   checkov               the policy scanner, from PyPI into its own venv ($TOOLS/checkov)
#   elastalert            ElastAlert 2 (the log alerts' runner), from PyPI into its own venv
#                         ($TOOLS/elastalert2), at the version of Images.elastalert
#   filebeat              Filebeat 7.17.29 built from the beats Go module (FILEBEAT_VERSION)
#   elasticsearch         Elasticsearch at ElasticStackVersion.V8_19 of lib/core/images.ts,
#                         from Maven Central, unpacked into $TOOLS/elasticsearch
#   security-analysis-plugin
#                         the analysis components the `.security` index needs, which that
#                         distribution lacks, built by scripts/build-security-analysis-plugin.sh
#   ilm-check, slm-check  Elasticsearch's ILM and SLM policy parsers at that version (x-pack-core),
#                         built by scripts/build-ilm-checker.sh
# Needs Go, Python 3 with venv, and for Elasticsearch Maven and Java 17.
# Idempotent: each step is skipped when its binaries exist and its version stamp matches.
set -euo pipefail

# The policy scanner of test/tools/policy-scan.tools.test.ts (config .checkov.yaml, accepted
# findings in policy-exceptions.yaml, which are written against this version's checks: bump
# both together). checkov, because kube-linter cannot be had here: the Go module proxy
# answers 403 for every version of golang.stackrox.io/kube-linter.
CHECKOV_VERSION=3.3.30
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

# Jaeger v2.N.P is released from the Go module github.com/jaegertracing/jaeger v1.(N+63).P:
# the v2 tags are not valid versions of that module path (it has no /v2 suffix), so the
# module proxy serves only the v1 twins. The mapping is checked against the module's
# CHANGELOG (`v1.76.0 / v2.13.0 (...)`) before anything is built.
JAEGER_MODULE=github.com/jaegertracing/jaeger
jaeger_tag="$(image_tag jaeger)"
if [[ ! "$jaeger_tag" =~ ^2\.([0-9]+)\.([0-9]+)$ ]]; then
  echo "install-tools: cannot derive the Jaeger module version from tag '$jaeger_tag' (expected 2.N.P, a Jaeger v2 release)" >&2
  exit 1
fi
jaeger_module_version="v1.$((BASH_REMATCH[1] + 63)).${BASH_REMATCH[2]}"
jaeger_dir="$(cd / && go mod download -json "$JAEGER_MODULE@$jaeger_module_version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')" || {
  echo "install-tools: the module proxy has no $JAEGER_MODULE@$jaeger_module_version (derived from Jaeger $jaeger_tag)" >&2
  exit 1
}
if ! grep -q "^$jaeger_module_version / v$jaeger_tag " "$jaeger_dir/CHANGELOG.md"; then
  echo "install-tools: $JAEGER_MODULE@$jaeger_module_version is not Jaeger v$jaeger_tag: its CHANGELOG has no line '$jaeger_module_version / v$jaeger_tag'" >&2
  exit 1
fi
# The index cleaner's image is the v1 line's release of the same module: same version.
cleaner_tag="$(image_tag jaegerIndexCleaner)"
if [[ -n "$cleaner_tag" && "v$cleaner_tag" != "$jaeger_module_version" ]]; then
  echo "install-tools: Images.jaegerIndexCleaner is $cleaner_tag but Images.jaeger $jaeger_tag is module $jaeger_module_version: pin the cleaner to ${jaeger_module_version#v}" >&2
  exit 1
fi

# build_tools NAME MODULE VERSION DISPLAY_VERSION TAGS PREPARE COMMAND...
# Builds the COMMANDs (package paths under MODULE; `.` for the module's root package, whose
# binary is NAME) of MODULE@VERSION in a throwaway module,
# whose go.mod resolves the module's own dependency versions, into $BIN. Skipped when the
# binaries exist and $TOOLS/NAME.stamp matches. PREPARE, when not empty, is a function run
# in the throwaway module before `go get`, with MODULE and VERSION as arguments.
# VERSION_LDFLAGS, when set in the caller's environment, adds -X flags for modules that do
# not keep their version in prometheus/common/version.
build_tools() {
  local name="$1" module="$2" version="$3" display="$4" tags="$5" prepare="$6"
  shift 6
  local commands=("$@") command missing=0 packages=() binaries=()
  for command in "${commands[@]}"; do
    if [[ "$command" == . ]]; then packages+=("$module") binaries+=("$name")
    else packages+=("$module/$command") binaries+=("${command##*/}"); fi
  done
  local stamp="$name $display module $version tags [$tags] go $(go env GOVERSION)"
  for command in "${binaries[@]}"; do [[ -x "$BIN/$command" ]] || missing=1; done
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
    # One package at a time, so each binary gets its own name (a module root's /vN would not).
    mkdir -p out
    local i
    for i in "${!packages[@]}"; do
      go build -trimpath -tags "$tags" \
        -ldflags "-X $common.Version=$display -X $common.Revision=$version -X $common.Branch=module -X $common.BuildUser=install-tools.sh ${VERSION_LDFLAGS:-}" \
        -o "out/${binaries[$i]}" "${packages[$i]}"
      rm -f "$BIN/${binaries[$i]}"
      mv -f "out/${binaries[$i]}" "$BIN/"
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

# Resolves the dependencies as the module's own build does. A dependency's replace
# directives do not apply to the module that requires it, so the module's own ones are
# repeated (Jaeger pins github.com/Shopify/sarama that way). And the module's go.sum is
# copied: its hashes verify every dependency, where the checksum database behind this
# machine's module proxy answers 404 for many of Jaeger's (OpenTelemetry Collector) ones.
as_module_resolves() {
  local module="$1" version="$2" info dir gomod line old new
  info="$(go mod download -json "$module@$version")"
  dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$info")"
  gomod="$(sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p' <<<"$info")"
  go mod edit -require "$module@$version"
  cp "$dir/go.sum" go.sum
  chmod u+w go.sum
  # `replace A [v] => B [v]` lines, on their own or in a `replace ( ... )` block.
  while read -r line; do
    old="${line%% => *}" new="${line#* => }"
    case "$new" in .* | /*) continue ;; esac  # a directory in the module's own tree
    go mod edit -replace "${old/ /@}=${new/ /@}"
  done < <(awk '/^replace \(/ { block = 1; next } block && /^\)/ { block = 0; next }
    { sub(/[[:space:]]*\/\/.*/, "") } /^replace / { sub(/^replace /, ""); print; next } block && NF { print }' "$gomod")
}

build_tools prometheus github.com/prometheus/prometheus "$prom_module_version" "${prom_tag#v}" "$PROM_TAGS" "" \
  cmd/promtool cmd/prometheus
build_tools alertmanager github.com/prometheus/alertmanager "$am_tag" "${am_tag#v}" "" alertmanager_without_ui \
  cmd/amtool cmd/alertmanager
# The Jaeger module embeds the web UI from cmd/query/app/ui/actual, which a release build
# fills from the jaeger-ui repository; from the module it is empty and the binary serves
# Jaeger's own placeholder page instead (cmd/query/app/ui/assets.go). No build tags.
VERSION_LDFLAGS="-X $JAEGER_MODULE/internal/version.latestVersion=v$jaeger_tag -X $JAEGER_MODULE/internal/version.commitSHA=$jaeger_module_version" \
  build_tools jaeger "$JAEGER_MODULE" "$jaeger_module_version" "$jaeger_tag" "" as_module_resolves \
  cmd/jaeger cmd/es-index-cleaner

# oauth2-proxy v7.X.Y is its Go module github.com/oauth2-proxy/oauth2-proxy/v7 at the same tag.
o2p_tag="$(image_tag oauth2Proxy)"
if [[ ! "$o2p_tag" =~ ^v7\.[0-9]+\.[0-9]+$ ]]; then
  echo "install-tools: cannot derive the oauth2-proxy module version from tag '$o2p_tag' (expected v7.X.Y)" >&2
  exit 1
fi
VERSION_LDFLAGS="-X github.com/oauth2-proxy/oauth2-proxy/v7/pkg/version.VERSION=$o2p_tag" \
  build_tools oauth2-proxy github.com/oauth2-proxy/oauth2-proxy/v7 "$o2p_tag" "$o2p_tag" "" "" .

# Thanos v0.X.Y is its Go module github.com/thanos-io/thanos at the same tag. Its go.mod
# replaces several dependencies (and pins versions the proxy's checksum database does not
# all know), which as_module_resolves repeats with its go.sum. Its UI is embedded from the
# module's own pkg/ui/static, so no placeholder is needed. The tags are those of its release
# build (.promu.yml): without `slicelabels`, Prometheus' labels take their string layout, which
# Thanos' protobuf code reads as slices, and the sidecar panics on its first StoreAPI answer.
THANOS_TAGS="netgo slicelabels"
thanos_tag="$(image_tag thanos)"
if [[ ! "$thanos_tag" =~ ^v0\.[0-9]+\.[0-9]+$ ]]; then
  echo "install-tools: cannot derive the Thanos module version from tag '$thanos_tag' (expected v0.X.Y)" >&2
  exit 1
fi
build_tools thanos github.com/thanos-io/thanos "$thanos_tag" "${thanos_tag#v}" "$THANOS_TAGS" as_module_resolves \
  cmd/thanos

# The logs pipeline of test/tools/logs-pipeline.tools.test.ts and `npm run bench:logs`.
# Filebeat 7.17.29, not the deployed 9.x: the Go module proxy serves no newer
# github.com/elastic/beats than v7.17.29 (v8 and v9 are not module versions it lists). The
# test says which keys of the generated filebeat.yml 7.17 does not know.
FILEBEAT_VERSION=7.17.29
# Elasticsearch at the 8.19 line the stack supports (ElasticStackVersion.V8_19 in
# lib/core/images.ts): Maven Central's integration-test distribution of that release, the
# only Elasticsearch build the registries serve. It runs on Java 17; it lacks the ILM,
# data-streams, mapper-extras, wildcard and constant-keyword modules (the test lists how it
# rewrites what needs them), and the analysis-common module (the security-analysis plugin
# below stands in for the part of it the `.security` index needs).
es_version="$(sed -n "s/^[[:space:]]*V8_19 = '\([0-9.]*\)'.*/\1/p" "$REPO/lib/core/images.ts")"
if [[ ! "$es_version" =~ ^8\.19\.[0-9]+$ ]]; then
  echo "install-tools: cannot read ElasticStackVersion.V8_19 from lib/core/images.ts (got '$es_version')" >&2
  exit 1
fi

# build_filebeat: `go build ./filebeat` in a writable copy of the beats module, whose own
# go.mod (with its replace directives) resolves the dependencies.
build_filebeat() {
  local module=github.com/elastic/beats/v7 stamp dir work
  stamp="filebeat $FILEBEAT_VERSION go $(go env GOVERSION)"
  if [[ -x "$BIN/filebeat" && -f "$TOOLS/filebeat.stamp" && "$(cat "$TOOLS/filebeat.stamp")" == "$stamp" ]]; then
    echo "== filebeat: $FILEBEAT_VERSION already built"
    return
  fi
  echo "== filebeat: building $module@v$FILEBEAT_VERSION (about 13 minutes cold on 2 cores)"
  dir="$(cd / && go mod download -json "$module@v$FILEBEAT_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  work="$(mktemp -d)"
  cp -r "$dir" "$work/beats"
  chmod -R u+w "$work/beats"
  (cd "$work/beats" && go build -trimpath -o "$work/filebeat" ./filebeat)
  mv -f "$work/filebeat" "$BIN/filebeat"
  rm -rf "$work"
  echo "$stamp" >"$TOOLS/filebeat.stamp"
}
build_filebeat

# install_elasticsearch: the distribution unpacked into $TOOLS/elasticsearch (read-only for
# the tests, which give each node its own config, data and log directories).
install_elasticsearch() {
  local artifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$es_version:zip" stamp work
  stamp="elasticsearch $es_version"
  if [[ -x "$TOOLS/elasticsearch/bin/elasticsearch" && -f "$TOOLS/elasticsearch.stamp" && "$(cat "$TOOLS/elasticsearch.stamp")" == "$stamp" ]]; then
    echo "== elasticsearch: $es_version already installed"
    return
  fi
  if ! command -v mvn >/dev/null || ! command -v java >/dev/null; then
    echo "install-tools: Maven and Java 17 are needed to fetch and run Elasticsearch $es_version" >&2
    exit 1
  fi
  echo "== elasticsearch: fetching $artifact from Maven Central"
  work="$(mktemp -d)"
  mvn --batch-mode --quiet dependency:copy -Dartifact="$artifact" -DoutputDirectory="$work"
  (cd "$work" && unzip -q "elasticsearch-$es_version.zip")
  rm -rf "$TOOLS/elasticsearch"
  mv "$work/elasticsearch-$es_version" "$TOOLS/elasticsearch"
  chmod -R a+rX "$TOOLS/elasticsearch"
  rm -rf "$work"
  echo "$stamp" >"$TOOLS/elasticsearch.stamp"
}
install_elasticsearch

# The security-analysis plugin: the analysis components of the `.security` index's mapping,
# which this distribution lacks (it leaves out analysis-common; production images have it),
# so that native users and roles work. The test support copies it into each node's plugins.
ES_VERSION="$es_version" bash "$REPO/scripts/build-security-analysis-plugin.sh"

# ilm-check: the ILM policy bodies parsed and validated by Elasticsearch's own classes
# (x-pack-core from Maven Central), since the distribution above has no ILM module.
ES_VERSION="$es_version" bash "$REPO/scripts/build-ilm-checker.sh"

# install_checkov: checkov==$CHECKOV_VERSION in a venv of its own, linked into $BIN.
# Skipped when the link exists and $TOOLS/checkov.stamp matches.
install_checkov() {
  local venv="$TOOLS/checkov" python_version stamp
  if ! command -v python3 >/dev/null || ! python_version="$(python3 --version 2>&1)"; then
    echo "install-tools: Python 3 (with venv) is needed to install checkov from PyPI" >&2
    exit 1
  fi
  stamp="checkov $CHECKOV_VERSION $python_version"
  if [[ -x "$BIN/checkov" && -f "$TOOLS/checkov.stamp" && "$(cat "$TOOLS/checkov.stamp")" == "$stamp" ]]; then
    echo "== checkov: $CHECKOV_VERSION already installed"
    return
  fi
  echo "== checkov: installing checkov==$CHECKOV_VERSION from PyPI into $venv"
  rm -rf "$venv" "$BIN/checkov"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION"
  ln -s "$venv/bin/checkov" "$BIN/checkov"
  echo "$stamp" >"$TOOLS/checkov.stamp"
}
install_checkov

# install_elastalert: elastalert2 in a venv of its own, at the version of Images.elastalert
# (the image jertel/elastalert2 is tagged with the PyPI release), its three commands linked
# into $BIN (`elastalert`, `elastalert-create-index`, `elastalert-test-rule`). Skipped when the links exist and
# $TOOLS/elastalert2.stamp matches. Used by test/tools/log-alerts.tools.test.ts.
# elastalert2 2.20 and later declare Requires-Python >=3.12 (the image runs 3.13), while the
# machines of this tier have Debian bookworm's 3.11 and no registry here serves a newer CPython:
# pip is told to ignore that declaration. The package compiles and its modules import on 3.11,
# and the tools test runs the generated rules through it; a failure there names this line.
install_elastalert() {
  local venv version python_version stamp tool
  local tools=(elastalert elastalert-create-index elastalert-test-rule)
  # The physical path: the venv's scripts name their interpreter by it, and .cache may be a link.
  venv="$(cd "$TOOLS" && pwd -P)/elastalert2"
  version="$(image_tag elastalert)"
  if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    echo "install-tools: cannot read the ElastAlert 2 version from Images.elastalert ('$version')" >&2
    exit 1
  fi
  python_version="$(python3 --version 2>&1)"
  stamp="elastalert2 $version $python_version"
  if [[ -f "$TOOLS/elastalert2.stamp" && "$(cat "$TOOLS/elastalert2.stamp")" == "$stamp" ]] &&
    [[ -x "$BIN/elastalert" && -x "$BIN/elastalert-create-index" && -x "$BIN/elastalert-test-rule" ]]; then
    echo "== elastalert2: $version already installed"
    return
  fi
  echo "== elastalert2: installing elastalert2==$version from PyPI into $venv"
  rm -rf "$venv"
  for tool in "${tools[@]}"; do rm -f "$BIN/$tool"; done
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --ignore-requires-python "elastalert2==$version"
  for tool in "${tools[@]}"; do ln -s "$venv/bin/$tool" "$BIN/$tool"; done
  echo "$stamp" >"$TOOLS/elastalert2.stamp"
}
install_elastalert

echo "== tool versions ($BIN)"
for tool in promtool prometheus amtool alertmanager jaeger oauth2-proxy checkov; do
  # stdout only: jaeger logs its build info to stderr before the version line.
  printf '%-13s %s\n' "$tool" "$("$BIN/$tool" --version 2>/dev/null | head -n 1)"
done
# Thanos prints its version to stderr.
printf '%-13s %s\n' thanos "$("$BIN/thanos" --version 2>&1 | head -n 1)"
printf '%-13s %s\n' filebeat "$("$BIN/filebeat" version 2>/dev/null | head -n 1)"
printf '%-13s %s\n' elasticsearch "$(cat "$TOOLS/elasticsearch.stamp")"
printf '%-13s %s\n' elastalert "$(cat "$TOOLS/elastalert2.stamp")"
