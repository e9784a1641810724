#!/usr/bin/env bash
# Builds ilm-check and slm-check (test/tools/ilm-checker/), which parse and validate ILM and
# SLM policy bodies with Elasticsearch's own classes (x-pack-core from Maven Central), into
# <repo>/.cache/tools/ilm-checker/ (ilm-checker.jar and its lib/), with the wrappers
# <repo>/.cache/tools/bin/ilm-check and slm-check. Skipped when the jar exists and the stamp matches the
# Elasticsearch version and the checker's sources. Needs Java 17+ and Maven (Maven Central).
set -euo pipefail

# The Elasticsearch release whose classes check the policies: the 8.19 line the stack supports
# (ElasticStackVersion.V8_19 in lib/core/images.ts). x-pack-core is not on Maven Central for
# 9.x (9.4.1 is not found there), so the 9.x default cannot be checked this way.
# The 8.19 release of lib/core/images.ts (ElasticStackVersion.V8_19); install-tools.sh passes it.
ES_VERSION="${ES_VERSION:-8.19.21}"
REPO="$(cd "$(dirname "$0")/.." && pwd)"
SRC="$REPO/test/tools/ilm-checker"
TOOLS="$REPO/.cache/tools"
OUT="$TOOLS/ilm-checker"
BIN="$TOOLS/bin"

for tool in java mvn; do
  if ! command -v "$tool" >/dev/null; then
    echo "build-ilm-checker: $tool is needed (Java 17+ and Maven)" >&2
    exit 1
  fi
done

sources_hash="$(cd "$SRC" && find pom.xml src -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)"
stamp="es.version=$ES_VERSION sources=$sources_hash"

if [[ -f "$OUT/ilm-checker.jar" && -f "$OUT/stamp" && "$(cat "$OUT/stamp")" == "$stamp" ]]; then
  echo "build-ilm-checker: ilm-check for Elasticsearch $ES_VERSION is up to date"
else
  echo "build-ilm-checker: building ilm-check against Elasticsearch $ES_VERSION"
  rm -rf "$OUT"
  mkdir -p "$OUT"
  # Maven's log goes to a file, shown only when the build fails (Maven 3.8's -q still prints
  # stray colour codes).
  log="$(mktemp)"
  if ! mvn -B -ntp -f "$SRC/pom.xml" -Des.version="$ES_VERSION" -Dbuild.dir="$OUT/build" package >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "build-ilm-checker: the Maven build failed" >&2
    exit 1
  fi
  rm -f "$log"
  mv "$OUT/build/ilm-checker.jar" "$OUT/build/lib" "$OUT/"
  rm -rf "$OUT/build"
  echo "$stamp" >"$OUT/stamp"
fi

mkdir -p "$BIN"
cat >"$BIN/ilm-check" <<'EOF'
#!/bin/sh
# ilm-check FILE...: each the body of PUT _ilm/policy/<name>; built by scripts/build-ilm-checker.sh.
exec java -jar "$(dirname "$0")/../ilm-checker/ilm-checker.jar" "$@"
EOF
chmod +x "$BIN/ilm-check"
cat >"$BIN/slm-check" <<'EOF'
#!/bin/sh
# slm-check FILE...: each the body of PUT _slm/policy/<id>; built by scripts/build-ilm-checker.sh.
exec java -cp "$(dirname "$0")/../ilm-checker/ilm-checker.jar" observability.tools.SlmCheck "$@"
EOF
chmod +x "$BIN/slm-check"
