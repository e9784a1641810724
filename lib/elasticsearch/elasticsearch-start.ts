/**
 * The start wrapper of an Elasticsearch container: decides the settings that depend on the
 * moment of the start, passes them as `-E` arguments and hands over to the image's entrypoint.
 *
 * `-E`, not the `ES_SETTING_*` environment form: the image's `docker-entrypoint.sh eswrapper`
 * passes its remaining arguments to `bin/elasticsearch`, which takes `-E` in every
 * distribution, so the same script runs on the archive distribution of the tools tier.
 */

/** The image's entrypoint after tini, with its `eswrapper` command (the image's CMD). */
export const IMAGE_ENTRYPOINT = ['/usr/local/bin/docker-entrypoint.sh', 'eswrapper'];

/** `cluster.initial_master_nodes`, passed only while no node of a formed cluster answers. */
export interface BootstrapCheck {
  /**
   * The client Service's URL, behind which only ready nodes are (never the headless
   * discovery Service, which publishes nodes before they are ready).
   * @example 'https://elasticsearch-http.observability.svc:9200/'
   */
  readonly clientUrl: string;
  /** CA file that verifies the Service's certificate; none for plain HTTP. */
  readonly caFile?: string;
  /** Node names of the master-eligible nodes, for the first election. */
  readonly initialMasterNodes: readonly string[];
}

export interface StartScriptOptions {
  /** What the wrapper execs, with the `-E` arguments appended. @default IMAGE_ENTRYPOINT */
  readonly entrypoint?: readonly string[];
  /** Set on master-eligible nodes of a cluster of more than one node. @default - no check */
  readonly bootstrap?: BootstrapCheck;
  /**
   * The file the zone init container wrote: its content becomes `node.attr.zone`.
   * @default - no zone
   */
  readonly zoneFile?: string;
}

/** Single quotes for the shell: `it's` becomes `'it'\''s'`. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The wrapper script (bash). With `zoneFile`, the node gets `-Enode.attr.zone=<its content>`.
 * With `bootstrap`, it asks the client Service whether any node
 * answers over HTTP: any status, a 401 included, means a ready node, and the readiness check
 * passes only on a node that sees an elected master, so a cluster has formed and the node
 * starts without `cluster.initial_master_nodes` (Elastic: remove it once the cluster has
 * formed; a node restarted with an empty data path and the setting could bootstrap a second
 * cluster). Nothing answering (a first start, or a full cluster restart) passes the setting,
 * which a node that has already joined a cluster ignores.
 */
export function renderStartScript(options: StartScriptOptions = {}): string {
  const entrypoint = (options.entrypoint ?? IMAGE_ENTRYPOINT).map(shellQuote).join(' ');
  const lines = ['settings=()'];
  const bootstrap = options.bootstrap;
  if (bootstrap) {
    const tls = bootstrap.caFile ? ` --cacert ${shellQuote(bootstrap.caFile)}` : '';
    const setting = `-Ecluster.initial_master_nodes=${bootstrap.initialMasterNodes.join(',')}`;
    lines.push(
      `client=${shellQuote(bootstrap.clientUrl)}`,
      // No credentials: a 401 answers the question as well as a 200 would.
      `code="$(curl --silent --output /dev/null --write-out '%{http_code}' --connect-timeout 3 --max-time 5${tls} "$client")"`,
      'if [ "$code" = 000 ]; then',
      '  echo "no ready node answers on $client: passing cluster.initial_master_nodes (a node that has joined a cluster before ignores it)"',
      `  settings+=(${shellQuote(setting)})`,
      'else',
      '  echo "a ready node answers on $client (HTTP $code): the cluster has formed, starting without cluster.initial_master_nodes"',
      'fi',
    );
  }
  if (options.zoneFile) {
    lines.push(
      `zone="$(cat ${shellQuote(options.zoneFile)})" || exit 1`,
      '[ -n "$zone" ] || { echo "no zone in ' + options.zoneFile + '"; exit 1; }',
      'echo "node.attr.zone: $zone"',
      'settings+=("-Enode.attr.zone=$zone")',
    );
  }
  lines.push(`exec ${entrypoint} "\${settings[@]}"`);
  return lines.join('\n') + '\n';
}
