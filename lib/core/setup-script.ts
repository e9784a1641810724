/** An HTTP method a setup step may use. */
export type SetupMethod = 'GET' | 'PUT' | 'POST';

/** How a request body is sent. */
export enum SetupBody {
  /** `Content-Type: application/json` with the file as the body. */
  JSON = 'json',
  /** A multipart form upload of the file as field `file` (Kibana's saved objects import). */
  UPLOAD = 'upload',
}

/**
 * What the JSON body of a 2xx answer must also say, for APIs that report failures inside a
 * successful answer. The script reads the body with grep and sh, not a JSON parser: it splits
 * it into strings, literals, numbers, brackets and colons, so spaces and line breaks between
 * them do not matter.
 */
export interface SetupResponseCheck {
  /** A field of the answer's top-level object that must be `true`, e.g. `success`; missing or anything else fails the attempt. */
  readonly trueField: string;
  /** Where the answer lists what failed, logged one entry a line. @default - the answer's body is logged */
  readonly failures?: SetupFailureList;
}

/** A top-level array of an answer whose entries name what failed. */
export interface SetupFailureList {
  /** The array's field, e.g. `errors`. */
  readonly field: string;
  /**
   * The fields of an entry to log, as dotted paths into its objects and arrays (`id`,
   * `error.type`), each as `path=value`, in the answer's order; fields an entry lacks are left out.
   */
  readonly show: string[];
}

/** One request; it must answer 2xx (and pass its `check`). */
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
  /** What the 2xx answer's body must say besides. @default - any 2xx answer succeeds */
  readonly check?: SetupResponseCheck;
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

/**
 * A request whose JSON body carries a value from a Secret, read from its mounted file when the
 * step runs: the script adds it to the body (the object in `file`, or an empty one) as the
 * string field `field`, so the value is in neither the ConfigMap, curl's command line nor the
 * log. With `nameSecret`, that file's content (a plain name: letters, digits, `_-.@`) is also
 * appended to `path`, for APIs that name the object in the path, such as a user.
 */
export interface SetupSecretRequest {
  readonly kind: 'secret-request';
  readonly description: string;
  readonly method: 'PUT' | 'POST';
  /** Path under the API URL; with `nameSecret`, the prefix the name is appended to. */
  readonly path: string;
  /** The Secret file (among the script's secret files) whose content becomes the field. */
  readonly secret: string;
  /** The top-level body field that gets the value, e.g. `password`. */
  readonly field: string;
  /** The Secret file whose content ends the path. @default - the path as given */
  readonly nameSecret?: string;
  /** A file of the Job's ConfigMap: a JSON object with the body's other fields. @default - none */
  readonly file?: string;
}

export type SetupStep = SetupRequest | SetupUpsert | SetupSecretRequest;

/** Options of {@link renderSetupScript}. */
export interface SetupScriptOptions {
  /** What the script sets up, for its log lines (`Elasticsearch`). */
  readonly target: string;
  /** Directory where the Job's ConfigMap (the body files) is mounted. */
  readonly configDir: string;
  /**
   * Directory where the Secret files of `secret-request` steps are mounted.
   * @default - none; then no step may be a `secret-request`
   */
  readonly secretsDir?: string;
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
const FIELD = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FIELD_PATH = /^[a-zA-Z_][a-zA-Z0-9_]*(\.[a-zA-Z_][a-zA-Z0-9_]*)*$/;
/** The most of an answer's body (or of its list of failures) an attempt logs. */
const ANSWER_LOG_BYTES = 4096;

/** The script's functions for `secret-request` steps, only in scripts that have some. */
const SECRET_FUNCTIONS = `# secret_value FILE: the content of a mounted Secret file, escaped for a JSON string. Fails on a
# control character (a line break inside the value, say); the log says why, never the value.
secret_value() {
  value=$(cat "$SECRETS_DIR/$1") || return 1
  case $value in
    *[[:cntrl:]]*) echo "Secret file $1 holds a control character: store the value alone, on one line" >&2; return 1 ;;
  esac
  printf '%s' "$value" | sed -e 's/\\\\/\\\\\\\\/g' -e 's/"/\\\\"/g'
}

# send_secret METHOD PATH SECRET FIELD [NAME_SECRET [FILE]]: METHOD PATH (plus the name in Secret
# file NAME_SECRET) with the JSON object FILE (or {}) and FIELD set to Secret file SECRET's value
# as the body, which goes to curl on its stdin: never on a command line, in a file or the log.
send_secret() {
  method=$1
  path=$2
  if [ -n "\${5:-}" ]; then
    name=$(cat "$SECRETS_DIR/$5") || return 1
    case $name in
      ''|*[!_.@a-zA-Z0-9-]*) echo "Secret file $5 must hold a plain name (letters, digits, _-.@)" >&2; return 1 ;;
    esac
    path="$path$name"
  fi
  value=$(secret_value "$3") || return 1
  rest='}'
  if [ -n "\${6:-}" ]; then
    rest=$(cat "$CONFIG_DIR/$6") || return 1
    # A JSON object with at least one field (the Job checks): its fields follow the secret one.
    rest=",\${rest#*[{]}"
  fi
  # The body reaches curl through a pipe from the shell's own printf: never a command line, and
  # never a file (some shells write a here-document to one; the root filesystem is read-only).
  answer=$(printf '{"%s":"%s"%s\\n' "$4" "$value" "$rest" | api "$path" --request "$method" --header 'Content-Type: application/json' --data-binary @- --write-out '%{http_code}') || { STATUS=000; BODY=; return 1; }
  split_answer
  case $STATUS in
    2??) ;;
    *) refused "$method $path"; return 1 ;;
  esac
  print_bounded "$BODY"
}

`;

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
 *
 * An attempt that gets no 2xx answer (or one that fails its {@link SetupResponseCheck}) logs
 * the status and the first 4 KiB of the answer's body to stderr, so the Job's log says why.
 * Request bodies, credentials and curl's command line are never logged.
 */
export function renderSetupScript(options: SetupScriptOptions): string {
  for (const [name, value] of [
    ['maxAttempts', options.maxAttempts],
    ['retrySeconds', options.retrySeconds],
  ] as const) {
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`${name} must be a positive integer, got ${value}`);
  }
  check('configDir', options.configDir, /^\/[-_./a-zA-Z0-9]+$/);
  if (options.secretsDir !== undefined)
    check('secretsDir', options.secretsDir, /^\/[-_./a-zA-Z0-9]+$/);
  else if (options.steps.some((s) => s.kind === 'secret-request'))
    throw new Error('setup script secret-request steps need secretsDir');
  for (const header of options.headers ?? []) check('header', header, HEADER);
  if (options.waitFor.method !== 'GET' || options.waitFor.file)
    throw new Error('waitFor must be a GET without a body');
  const headerArgs = (options.headers ?? []).map((h) => ` --header ${quote(h)}`).join('');

  return `#!/bin/sh
# Applies the stack's ${options.target} objects. Each step replaces or upserts its object,
# so running this again is harmless.
set -u
# Never traced, even under sh -x: a trace would log curl's arguments, the password among them.
set +x

CONFIG_DIR=${quote(options.configDir)}
${options.secretsDir === undefined ? '' : `SECRETS_DIR=${quote(options.secretsDir)}\n`}MAX_ATTEMPTS=${options.maxAttempts}
RETRY_SECONDS=${options.retrySeconds}
# The most of an answer's body the log shows, so a huge answer cannot flood it.
LOG_BYTES=${ANSWER_LOG_BYTES}

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

# request PATH CURL_ARGS...: sets STATUS and BODY to the answer's (the body in a variable, not
# a file: the root filesystem is read-only). Fails, curl having said why, without an answer.
request() {
  answer=$(api "$@" --write-out '%{http_code}') || { STATUS=000; BODY=; return 1; }
  split_answer
}

# split_answer: STATUS and BODY from $answer, curl's output followed by its 3-digit status.
split_answer() {
  BODY=\${answer%???}
  # Not \${answer#"$BODY"}: sh takes time quadratic in the body's length for that.
  STATUS=$(printf '%s' "$answer" | tail -c 3)
}

# print_bounded TEXT: the first LOG_BYTES of TEXT, and how much more there was.
print_bounded() {
  printf '%s' "$1" | head -c "$LOG_BYTES"
  echo
  if [ "\${#1}" -gt "$LOG_BYTES" ]; then echo "[$((\${#1} - LOG_BYTES)) more bytes not shown]"; fi
}

# refused WHAT: logs the status and body of an answer that is not a success.
refused() {
  echo "$1 answered HTTP $STATUS:" >&2
  print_bounded "$BODY" >&2
}

# send METHOD PATH [FILE [json|upload [TRUE_FIELD [FAILURES_FIELD FIELDS]]]]: a request that
# must answer 2xx and, given TRUE_FIELD, pass check_answer.
send() {
  method=$1
  path=$2
  file=\${3:-}
  mode=\${4:-json}
  if [ -z "$file" ]; then
    request "$path" --request "$method"
  elif [ "$mode" = upload ]; then
    request "$path" --request "$method" --form "file=@$CONFIG_DIR/$file"
  else
    request "$path" --request "$method" --header 'Content-Type: application/json' --data-binary "@$CONFIG_DIR/$file"
  fi || return 1
  case $STATUS in
    2??) ;;
    *) refused "$method $path"; return 1 ;;
  esac
  if [ -n "\${5:-}" ]; then check_answer "$method $path" "$5" "\${6:-}" "\${7:-}" || return 1; fi
  print_bounded "$BODY"
}

# check_answer WHAT TRUE_FIELD FAILURES_FIELD FIELDS: BODY, a JSON object, must have TRUE_FIELD
# true at its top level. If not, logs each entry of its top-level array FAILURES_FIELD by the
# FIELDS (dotted paths, space-separated) it has, or the body when it lists none. grep splits the
# JSON into tokens (strings, literals, numbers, brackets, colons), so spacing does not matter.
check_answer() {
  printf '%s\\n' "$BODY" | LC_ALL=C grep -oE '"([^"\\\\]|\\\\.)*"|[][{}:]|true|false|null|-?[0-9][-+.eE0-9]*' | read_answer "$@"
}

# read_answer: check_answer's parser, one token a line. Tracks the depth, the key of each value
# and, inside a failure entry (depth 3), the dotted path of each value.
read_answer() {
  true_key='"'$2'"' failures_key='"'$3'"' fields=" $4 "
  depth=0 key= last= ok= in_failures= entry= listed= path= pushed=
  while IFS= read -r token; do
    if [ "$token" = : ]; then key=$last; continue; fi
    case $token in
      '{'|'[')
        depth=$((depth + 1))
        if [ "$depth" = 2 ] && [ "$token" = '[' ] && [ "$key" = "$failures_key" ]; then
          in_failures=1
        elif [ -n "$in_failures" ] && [ "$depth" = 3 ]; then
          entry= path= pushed=
        elif [ -n "$in_failures" ] && [ "$depth" -gt 3 ]; then
          # pushed: one digit per open container, 1 when it added its key to the path.
          if [ -n "$key" ]; then k=\${key#'"'}; path="$path\${k%'"'}."; pushed="\${pushed}1"; else pushed="\${pushed}0"; fi
        fi ;;
      '}'|']')
        if [ -n "$in_failures" ] && [ "$depth" -gt 3 ]; then
          case $pushed in *1) path=\${path%.}; path=\${path%"\${path##*.}"} ;; esac
          pushed=\${pushed%?}
        elif [ -n "$in_failures" ] && [ "$depth" = 3 ]; then
          listed="$listed
  -$entry"
        elif [ "$depth" = 2 ]; then
          in_failures=
        fi
        depth=$((depth - 1)) ;;
      *)
        if [ -z "$key" ]; then
          :
        elif [ "$depth" = 1 ] && [ "$key" = "$true_key" ]; then
          if [ "$token" = true ]; then ok=1; fi
        elif [ -n "$in_failures" ] && [ "$depth" -ge 3 ]; then
          k=\${key#'"'}; k=$path\${k%'"'}
          case $fields in *" $k "*) entry="$entry $k=$token" ;; esac
        fi ;;
    esac
    key=
    last=$token
  done
  if [ -n "$ok" ]; then return 0; fi
  if [ -n "$listed" ]; then
    echo "$1 answered HTTP $STATUS, but $2 is not true; $3:" >&2
    print_bounded "\${listed#?}" >&2
  else
    echo "$1 answered HTTP $STATUS, but $2 is not true:" >&2
    print_bounded "$BODY" >&2
  fi
  return 1
}

${options.secretsDir === undefined ? '' : SECRET_FUNCTIONS}# upsert PATH CREATE_FILE UPDATE_FILE: POST when the object is missing, PUT when it exists.
upsert() {
  request "$1" --request GET || return 1
  case $STATUS in
    404) send POST "$1" "$2" ;;
    200) send PUT "$1" "$3" ;;
    *) refused "GET $1"; return 1 ;;
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
  echo "done: $what"
}

${renderStep(options.waitFor)}
${options.steps.map(renderStep).join('\n')}

echo ${quote(`${options.target} setup complete`)}
`;
}

function renderStep(step: SetupStep): string {
  check('path', step.path, PATH);
  const run = (...words: string[]) =>
    `retry ${quote(step.description)} ${words.map(quote).join(' ')} || exit 1`;
  if (step.kind === 'secret-request') {
    check('secret', step.secret, FILE);
    check('field', step.field, FIELD);
    if (step.nameSecret !== undefined) check('nameSecret', step.nameSecret, FILE);
    if (step.file !== undefined) check('file', step.file, FILE);
    const name = step.nameSecret ?? '';
    return run(
      'send_secret',
      step.method,
      step.path,
      step.secret,
      step.field,
      name,
      step.file ?? '',
    );
  }
  if (step.kind === 'upsert') {
    check('createFile', step.createFile, FILE);
    check('updateFile', step.updateFile, FILE);
    return run('upsert', step.path, step.createFile, step.updateFile);
  }
  if (step.file !== undefined) check('file', step.file, FILE);
  if (step.file === undefined && step.check === undefined)
    return run('send', step.method, step.path);
  const body = [step.file ?? '', step.bodyAs ?? SetupBody.JSON];
  if (step.check === undefined) return run('send', step.method, step.path, ...body);
  return run('send', step.method, step.path, ...body, ...checkWords(step.check));
}

/** A check as the words `send` takes: TRUE_FIELD, FAILURES_FIELD and the FIELDS to show. */
function checkWords(responseCheck: SetupResponseCheck): string[] {
  check('check.trueField', responseCheck.trueField, FIELD);
  const failures = responseCheck.failures;
  if (failures === undefined) return [responseCheck.trueField];
  check('check.failures.field', failures.field, FIELD);
  if (failures.show.length === 0)
    throw new Error('setup script check.failures.show must name at least one field');
  for (const field of failures.show) check('check.failures.show', field, FIELD_PATH);
  return [responseCheck.trueField, failures.field, failures.show.join(' ')];
}

/** The files a list of steps sends, in order. */
export function setupStepFiles(steps: SetupStep[]): string[] {
  return steps.flatMap((s) =>
    s.kind === 'upsert' ? [s.createFile, s.updateFile] : s.file ? [s.file] : [],
  );
}

/** The Secret files a list of steps reads, in order. */
export function setupStepSecrets(steps: SetupStep[]): string[] {
  return steps.flatMap((s) =>
    s.kind === 'secret-request' ? [s.secret, ...(s.nameSecret ? [s.nameSecret] : [])] : [],
  );
}

function check(name: string, value: string, pattern: RegExp): void {
  if (!pattern.test(value))
    throw new Error(`setup script ${name} ${JSON.stringify(value)} does not match ${pattern}`);
}

/** Single-quotes a word for POSIX sh. */
function quote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
