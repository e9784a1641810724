#!/usr/bin/env bash
# Builds the security-analysis Elasticsearch plugin (test/tools/support/security-analysis-plugin/)
# into <repo>/.cache/tools/security-analysis-plugin/ (security-analysis.jar and
# plugin-descriptor.properties), which the tools tier's test support copies into each node's
# plugins directory (test/tools/support/elasticsearch.ts).
#
# Why it exists: the tools tier runs Maven Central's integration-test distribution of
# Elasticsearch, which leaves out the analysis-common module. The `.security` index that
# native users and roles live in has an `email` analyzer built from analysis-common's
# `uax_url_email` tokenizer and `pattern_capture` and `unique` token filters, so without them
# the index cannot be created and `PUT _security/user|role` fail. The plugin registers just
# those, on the Lucene classes analysis-common uses. Production images have analysis-common;
# the plugin is never deployed.
#
# Compiled with javac against the unpacked distribution's lib/*.jar (no Maven). Skipped when
# the jar exists and the stamp matches the Elasticsearch version and the plugin's sources.
# Needs Java 17+ (javac, jar) and the distribution in .cache/tools/elasticsearch
# (scripts/install-tools.sh unpacks it, then runs this).
set -euo pipefail

# The release of the distribution the plugin is built for and loaded by: Elasticsearch loads
# a plugin only when its descriptor's elasticsearch.version is the node's own.
# ElasticStackVersion.V8_19 of lib/core/images.ts; install-tools.sh passes it.
ES_VERSION="${ES_VERSION:-8.19.21}"
REPO="$(cd "$(dirname "$0")/.." && pwd)"
SRC="$REPO/test/tools/support/security-analysis-plugin"
TOOLS="$REPO/.cache/tools"
ES_HOME="$TOOLS/elasticsearch"
OUT="$TOOLS/security-analysis-plugin"

for tool in java javac jar; do
  if ! command -v "$tool" >/dev/null; then
    echo "build-security-analysis-plugin: $tool is needed (a Java 17+ JDK)" >&2
    exit 1
  fi
done
if [[ "$(cat "$TOOLS/elasticsearch.stamp" 2>/dev/null)" != "elasticsearch $ES_VERSION" ]]; then
  echo "build-security-analysis-plugin: Elasticsearch $ES_VERSION is not installed in $ES_HOME: run scripts/install-tools.sh" >&2
  exit 1
fi
descriptor_version="$(sed -n 's/^elasticsearch\.version=//p' "$SRC/plugin-descriptor.properties")"
if [[ "$descriptor_version" != "$ES_VERSION" ]]; then
  echo "build-security-analysis-plugin: $SRC/plugin-descriptor.properties says elasticsearch.version=$descriptor_version, but the distribution is $ES_VERSION: set it to $ES_VERSION (Elasticsearch loads a plugin only for its own version)" >&2
  exit 1
fi

sources_hash="$(cd "$SRC" && find plugin-descriptor.properties src -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)"
stamp="es.version=$ES_VERSION sources=$sources_hash"

if [[ -f "$OUT/security-analysis.jar" && -f "$OUT/stamp" && "$(cat "$OUT/stamp")" == "$stamp" ]]; then
  echo "build-security-analysis-plugin: the plugin for Elasticsearch $ES_VERSION is up to date"
  exit 0
fi

echo "build-security-analysis-plugin: building the plugin against Elasticsearch $ES_VERSION"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mapfile -t sources < <(find "$SRC/src" -name '*.java' | LC_ALL=C sort)
# lib/* is the server, its libraries and Lucene (lucene-analysis-common among them), as the
# node's own class path has them; the plugin's jar holds only its own classes.
javac --release 17 -Xlint:all -Werror -cp "$ES_HOME/lib/*" -d "$work/classes" "${sources[@]}"
jar --create --file "$work/security-analysis.jar" -C "$work/classes" .
rm -rf "$OUT"
mkdir -p "$OUT"
mv "$work/security-analysis.jar" "$OUT/"
cp "$SRC/plugin-descriptor.properties" "$OUT/"
chmod -R a+rX "$OUT"
echo "$stamp" >"$OUT/stamp"
