import { k8s } from 'cdk8s-plus-27';
import { execProbe } from '../core/probes';

/**
 * How a script inside an Elasticsearch container reaches its own node: the node's HTTP
 * address and, with security on, the CA and the `elastic` user's password. `elastic` is
 * the one credential the pods hold; it has the `manage` cluster privilege that the node
 * shutdown API needs.
 */
export interface LocalNodeAccess {
  /** @example 'https://127.0.0.1:9200' */
  readonly url: string;
  /** CA file to verify the node's certificate; none for plain HTTP. */
  readonly caFile?: string;
  /** Environment variable holding the `elastic` user's password; none without security. */
  readonly passwordEnv?: string;
  /**
   * Directory, new at each container start, for the two marker files of the scripts.
   * The container's own writable layer, not a volume: a volume outlives a restart.
   * @default '/usr/share/elasticsearch/logs'
   */
  readonly stateDir?: string;
}

/** How a node is taken out and let back in. */
export interface NodeLifecycleOptions {
  /**
   * Hold the readiness of a started node until the cluster is green, once per start.
   * Off for a cluster with one data node, which has no second copy to wait for.
   */
  readonly waitForGreen: boolean;
}

/**
 * `allocation_delay` of the restart shutdown record: how long the cluster waits for a
 * stopped node to come back before it rebuilds the node's shard copies elsewhere. Long
 * enough for a rescheduled pod to attach its volume and start.
 */
export const SHUTDOWN_ALLOCATION_DELAY = '10m';
/** The longest the preStop hook waits for the shutdown status to be COMPLETE. */
export const PRESTOP_WAIT_SECONDS = 60;
/** What Elasticsearch gets after SIGTERM to close its shards and flush. */
export const STOP_SECONDS = 60;
/** `terminationGracePeriodSeconds`: the preStop wait, then the stop itself. */
export const TERMINATION_GRACE_SECONDS = PRESTOP_WAIT_SECONDS + STOP_SECONDS;

const DEFAULT_STATE_DIR = '/usr/share/elasticsearch/logs';

/** The shell function `es` (curl with the node's TLS and credentials) and the variables the scripts share. */
function preamble(access: LocalNodeAccess): string[] {
  const dir = access.stateDir ?? DEFAULT_STATE_DIR;
  const tls = access.caFile ? ` --cacert '${access.caFile}'` : '';
  const auth = access.passwordEnv ? ` -u "elastic:$${access.passwordEnv}"` : '';
  return [
    'set -u',
    `url='${access.url}'`,
    `serving='${dir}/.serving'`,
    `stopping='${dir}/.stopping'`,
    `es() { curl --silent --show-error --max-time 3${tls}${auth} -H 'Content-Type: application/json' "$@"; }`,
    // The node id, not its name: the shutdown API takes ids.
    `node_id() { es --fail "$url/_nodes/_local?filter_path=nodes.*.name" | sed -n 's/^{"nodes":{"\\([^"]*\\)".*/\\1/p'; }`,
  ];
}

/**
 * The readiness check of an Elasticsearch container. A node is ready when its own view of the
 * cluster state (`_cluster/state/master_node?local=true`) names an elected master: a running
 * node stays ready while the cluster is yellow, and one that has not joined a cluster is not
 * ready. The first time after a start it also clears the
 * node's shutdown record, which the preStop hook of the previous run left, and, with
 * `waitForGreen`, waits for the cluster to be green: a restarted node counts as
 * unavailable, to the StatefulSet rollout and to the PodDisruptionBudget, until every
 * shard has its copies again.
 */
export function renderReadinessScript(
  access: LocalNodeAccess,
  options: NodeLifecycleOptions,
): string {
  const lines = [
    ...preamble(access),
    // Its own cluster state (local), so a running node stays ready while the cluster is
    // yellow; with an elected master in it, so a node that has not joined a cluster is never
    // ready, and a ready node behind the client Service means a formed cluster (the start wrapper).
    'master="$(es --fail "$url/_cluster/state/master_node?local=true")" || exit 1',
    'case "$master" in *\'"master_node":"\'*) ;; *) echo "no elected master in this node\'s cluster state: not joined to a cluster"; exit 1 ;; esac',
    '[ -e "$serving" ] && exit 0',
    // A node that never got ready and is now stopping keeps its shutdown record.
    '[ -e "$stopping" ] && { echo "node is stopping"; exit 1; }',
    'id="$(node_id)"',
    '[ -n "$id" ] || { echo "cannot read the id of this node"; exit 1; }',
    'code="$(es -o /dev/null -w \'%{http_code}\' -X DELETE "$url/_nodes/$id/shutdown")"',
    'case "$code" in 200 | 404) ;; *) echo "clearing the shutdown record of node $id answered HTTP $code"; exit 1 ;; esac',
  ];
  if (options.waitForGreen) {
    lines.push(
      'health="$(es "$url/_cluster/health?filter_path=status,unassigned_shards,initializing_shards")"',
      'case "$health" in *\'"status":"green"\'*) ;; *) echo "started, waiting for the cluster to be green: $health"; exit 1 ;; esac',
    );
  }
  lines.push('touch "$serving"');
  return lines.join('\n') + '\n';
}

/**
 * The preStop hook of an Elasticsearch container: registers a `restart` shutdown for the
 * node (`PUT _nodes/<id>/shutdown`), so the cluster waits `allocation_delay` for it to
 * come back instead of copying its shards elsewhere, and waits until the shutdown status is
 * COMPLETE (the node's persistent tasks and plugins are ready to stop), at most
 * {@link PRESTOP_WAIT_SECONDS}. Exits non-zero, which the kubelet reports as a
 * `FailedPreStopHook` event, when the record cannot be written or the status stays short
 * of COMPLETE; the container is stopped either way.
 */
export function renderPreStopScript(access: LocalNodeAccess): string {
  return (
    [
      ...preamble(access),
      'touch "$stopping"',
      'id="$(node_id)"',
      '[ -n "$id" ] || { echo "cannot read the id of this node"; exit 1; }',
      `body="$(printf '{"type":"restart","reason":"pod %s stopping (preStop hook)","allocation_delay":"%s"}' "\${POD_NAME:-unknown}" '${SHUTDOWN_ALLOCATION_DELAY}')"`,
      'es --fail -o /dev/null -X PUT "$url/_nodes/$id/shutdown" -d "$body" || { echo "could not register the shutdown of node $id"; exit 1; }',
      `deadline=$(($(date +%s) + ${PRESTOP_WAIT_SECONDS}))`,
      'while :; do',
      '  status="$(es "$url/_nodes/$id/shutdown?filter_path=nodes.status")"',
      '  case "$status" in *\'"status":"COMPLETE"\'*) echo "node $id is ready to stop"; exit 0 ;; esac',
      `  [ "$(date +%s)" -ge "$deadline" ] && { echo "shutdown of node $id not COMPLETE after ${PRESTOP_WAIT_SECONDS}s: $status"; exit 1; }`,
      '  sleep 2',
      'done',
    ].join('\n') + '\n'
  );
}

/** The readiness probe running {@link renderReadinessScript}. */
export function renderReadinessProbe(
  access: LocalNodeAccess,
  options: NodeLifecycleOptions,
): k8s.Probe {
  return execProbe('readiness', ['bash', '-c', renderReadinessScript(access, options)], {
    initialDelaySeconds: 10,
    periodSeconds: 10,
    // Up to four requests of at most 3 s each on the first checks after a start.
    timeoutSeconds: 15,
  });
}

/** The lifecycle with the preStop hook of {@link renderPreStopScript}. */
export function renderLifecycle(access: LocalNodeAccess): k8s.Lifecycle {
  return { preStop: { exec: { command: ['bash', '-c', renderPreStopScript(access)] } } };
}
