/** Options of the setup script. */
export interface SetupScriptOptions {
  /** Directory of the mounted JSON bodies (`ilm-policy.<name>.json`, `index-template.<name>.json`). */
  readonly configDir: string;
  /** Attempts per request before the script gives up. */
  readonly maxAttempts: number;
  /** Pause between attempts, in seconds. */
  readonly retrySeconds: number;
}

/** The ConfigMap key of an ILM policy body. */
export function policyFileName(name: string): string {
  return `ilm-policy.${name}.json`;
}

/** The ConfigMap key of an index template body. */
export function templateFileName(name: string): string {
  return `index-template.${name}.json`;
}

/**
 * A POSIX shell script run by the setup Job with the curl of the Elasticsearch image.
 * It waits until the cluster is at least yellow, then PUTs every ILM policy (before
 * the templates that name them) and every index template. PUT creates or replaces,
 * so running it again is harmless. Every request is retried `maxAttempts` times;
 * after that the script exits non-zero and the Job starts a new pod.
 *
 * Reads `ES_URL`, and when set `ES_CA_FILE` (verify TLS against this CA) and
 * `ES_USERNAME`/`ES_PASSWORD` (basic authentication) from the environment.
 * `numbers` are interpolated; nothing else from props reaches the text.
 */
export function renderElasticsearchSetupScript(options: SetupScriptOptions): string {
  for (const [name, value] of [['maxAttempts', options.maxAttempts], ['retrySeconds', options.retrySeconds]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
  }
  if (!/^\/[-_./a-zA-Z0-9]+$/.test(options.configDir)) throw new Error(`configDir must be an absolute path, got ${options.configDir}`);
  return `#!/bin/sh
# Applies the stack's ILM policies and index templates to Elasticsearch.
# Idempotent: PUT creates or replaces each object.
set -u

CONFIG_DIR='${options.configDir}'
MAX_ATTEMPTS=${options.maxAttempts}
RETRY_SECONDS=${options.retrySeconds}

# request METHOD PATH [BODY_FILE]: one HTTP request; non-zero on any HTTP error (--fail).
request() {
  method=$1
  path=$2
  body=\${3:-}
  set -- --silent --show-error --fail --max-time 60 --request "$method"
  if [ -n "\${ES_CA_FILE:-}" ]; then set -- "$@" --cacert "$ES_CA_FILE"; fi
  if [ -n "\${ES_PASSWORD:-}" ]; then set -- "$@" --user "\${ES_USERNAME:-elastic}:$ES_PASSWORD"; fi
  if [ -n "$body" ]; then set -- "$@" --header 'Content-Type: application/json' --data-binary "@$body"; fi
  curl "$@" "$ES_URL$path"
}

# retry DESCRIPTION COMMAND...: runs COMMAND until it succeeds, at most MAX_ATTEMPTS times.
retry() {
  what=$1
  shift
  attempt=1
  until "$@"; do
    if [ "$attempt" -ge "$MAX_ATTEMPTS" ]; then
      echo "giving up on $what after $attempt attempts" >&2
      return 1
    fi
    echo "$what failed (attempt $attempt of $MAX_ATTEMPTS), retrying in $RETRY_SECONDS s" >&2
    attempt=$((attempt + 1))
    sleep "$RETRY_SECONDS"
  done
  echo
  echo "done: $what"
}

: "\${ES_URL:?ES_URL must be set}"

retry 'waiting for cluster health yellow' request GET '/_cluster/health?wait_for_status=yellow&timeout=30s' || exit 1

for file in "$CONFIG_DIR"/ilm-policy.*.json; do
  [ -f "$file" ] || { echo "no ilm-policy files in $CONFIG_DIR" >&2; exit 1; }
  name=\${file##*/}
  name=\${name#ilm-policy.}
  name=\${name%.json}
  retry "PUT _ilm/policy/$name" request PUT "/_ilm/policy/$name" "$file" || exit 1
done

for file in "$CONFIG_DIR"/index-template.*.json; do
  [ -f "$file" ] || { echo "no index-template files in $CONFIG_DIR" >&2; exit 1; }
  name=\${file##*/}
  name=\${name#index-template.}
  name=\${name%.json}
  retry "PUT _index_template/$name" request PUT "/_index_template/$name" "$file" || exit 1
done

echo 'Elasticsearch setup complete'
`;
}
