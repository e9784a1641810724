/** An HTTP method a setup step may use. */
export type SetupMethod = 'GET' | 'PUT' | 'POST';

/** How a request body is sent. */
export enum SetupBody {
  /** `Content-Type: application/json` with the file as the body. */
  JSON = 'json',
  /** A multipart form upload of the file as field `file` (Kibana's saved objects import). */
  UPLOAD = 'upload',
}

/** One request; it must answer 2xx. */
export interface SetupRequest {
  readonly kind: 'request';
  /** What the log says while the step runs. */
  readonly description: string;
  readonly method: SetupMethod;
  /** Path and query under the API URL, e.g. `/_ilm/policy/logs-all-retention`. */
  readonly path: string;
  /** The file (a key of the Job's ConfigMap) sent as the body. @default - no body */
  readonly file?: string;
  /** @default SetupBody.JSON */
  readonly bodyAs?: SetupBody;
}

/**
 * Create or update one object at a stable path: `GET path`; on 404 `POST path` with
 * `createFile`, on 200 `PUT path` with `updateFile` (APIs whose update refuses fields
 * that only creation takes, such as Kibana's alerting rules).
 */
export interface SetupUpsert {
  readonly kind: 'upsert';
  readonly description: string;
  readonly path: string;
  readonly createFile: string;
  readonly updateFile: string;
}

export type SetupStep = SetupRequest | SetupUpsert;

/** Options of {@link renderSetupScript}. */
export interface SetupScriptOptions {
  /** What the script sets up, for its log lines (`Elasticsearch`). */
  readonly target: string;
  /** Directory where the Job's ConfigMap (the body files) is mounted. */
  readonly configDir: string;
  /** Headers sent with every request, e.g. `kbn-xsrf: true`. @default - none */
  readonly headers?: string[];
  /** The request that must succeed before any step runs (a health or status endpoint). */
  readonly waitFor: SetupRequest;
  /** The steps, run in order. */
  readonly steps: SetupStep[];
  /** Attempts of each step before the script gives up (and the Job starts a new pod). */
  readonly maxAttempts: number;
  /** Pause between attempts, in seconds. */
  readonly retrySeconds: number;
}

const PATH = /^\/[-_./a-zA-Z0-9?=&*%,:]*$/;
const FILE = /^[-_.a-zA-Z0-9]+$/;
const HEADER = /^[-a-zA-Z0-9]+: [-_a-zA-Z0-9 /.;=]+$/;

/**
 * A POSIX shell script, run with the curl of a component's own image, that waits for an
 * HTTP API and then applies every step in order. Each step is retried `maxAttempts`
 * times; every step either replaces its object (PUT, an import with overwrite) or
 * chooses between create and update (upsert), so running the script again is harmless.
 *
 * Reads `API_URL`, and when set `API_CA_FILE` (verify TLS against this CA) and
 * `API_USERNAME`/`API_PASSWORD` (basic authentication), each of which may instead be read
 * from the file named by `API_USERNAME_FILE`/`API_PASSWORD_FILE`. Every value from the options is
 * validated and single-quoted; none can break out of its word.
 */
export function renderSetupScript(options: SetupScriptOptions): string {
  for (const [name, value] of [['maxAttempts', options.maxAttempts], ['retrySeconds', options.retrySeconds]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
  }
  check('configDir', options.configDir, /^\/[-_./a-zA-Z0-9]+$/);
  for (const header of options.headers ?? []) check('header', header, HEADER);
  if (options.waitFor.method !== 'GET' || options.waitFor.file) throw new Error('waitFor must be a GET without a body');
  const headerArgs = (options.headers ?? []).map((h) => ` --header ${quote(h)}`).join('');

  return `#!/bin/sh
# Applies the stack's ${options.target} objects. Each step replaces or upserts its object,
# so running this again is harmless.
set -u

CONFIG_DIR=${quote(options.configDir)}
MAX_ATTEMPTS=${options.maxAttempts}
RETRY_SECONDS=${options.retrySeconds}

: "\${API_URL:?API_URL must be set}"
# Credentials from mounted Secret files, so they are never in the pod's environment.
if [ -n "\${API_USERNAME_FILE:-}" ]; then API_USERNAME=$(cat "$API_USERNAME_FILE"); fi
if [ -n "\${API_PASSWORD_FILE:-}" ]; then API_PASSWORD=$(cat "$API_PASSWORD_FILE"); fi

# api PATH CURL_ARGS...: one request to $API_URL$PATH with the CA, credentials and headers.
api() {
  url="$API_URL$1"
  shift
  if [ -n "\${API_CA_FILE:-}" ]; then set -- "$@" --cacert "$API_CA_FILE"; fi
  if [ -n "\${API_PASSWORD:-}" ]; then set -- "$@" --user "\${API_USERNAME:-}:$API_PASSWORD"; fi
  curl --silent --show-error --max-time 60${headerArgs} "$@" "$url"
}

# send METHOD PATH [FILE [json|upload]]: a request that must answer 2xx.
send() {
  method=$1
  path=$2
  file=\${3:-}
  mode=\${4:-json}
  if [ -z "$file" ]; then
    api "$path" --fail --request "$method"
  elif [ "$mode" = upload ]; then
    api "$path" --fail --request "$method" --form "file=@$CONFIG_DIR/$file"
  else
    api "$path" --fail --request "$method" --header 'Content-Type: application/json' --data-binary "@$CONFIG_DIR/$file"
  fi
}

# upsert PATH CREATE_FILE UPDATE_FILE: POST when the object is missing, PUT when it exists.
upsert() {
  status=$(api "$1" --request GET --output /dev/null --write-out '%{http_code}') || return 1
  case $status in
    404) send POST "$1" "$2" ;;
    200) send PUT "$1" "$3" ;;
    *) echo "GET $1 answered HTTP $status" >&2; return 1 ;;
  esac
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

${renderStep(options.waitFor)}
${options.steps.map(renderStep).join('\n')}

echo ${quote(`${options.target} setup complete`)}
`;
}

function renderStep(step: SetupStep): string {
  check('path', step.path, PATH);
  const run = (...words: string[]) => `retry ${quote(step.description)} ${words.map(quote).join(' ')} || exit 1`;
  if (step.kind === 'upsert') {
    check('createFile', step.createFile, FILE);
    check('updateFile', step.updateFile, FILE);
    return run('upsert', step.path, step.createFile, step.updateFile);
  }
  if (step.file === undefined) return run('send', step.method, step.path);
  check('file', step.file, FILE);
  return run('send', step.method, step.path, step.file, step.bodyAs ?? SetupBody.JSON);
}

/** The files a list of steps sends, in order. */
export function setupStepFiles(steps: SetupStep[]): string[] {
  return steps.flatMap((s) => (s.kind === 'upsert' ? [s.createFile, s.updateFile] : s.file ? [s.file] : []));
}

function check(name: string, value: string, pattern: RegExp): void {
  if (!pattern.test(value)) throw new Error(`setup script ${name} ${JSON.stringify(value)} does not match ${pattern}`);
}

/** Single-quotes a word for POSIX sh. */
function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
