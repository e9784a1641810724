/** The parts of `elasticsearch.yml` this package sets. Names match the Elasticsearch settings. */
export interface ElasticsearchConfigOptions {
  readonly clusterName: string;
  /** `node.roles` of this node group. */
  readonly roles: string[];
  /** Headless Service through which nodes find each other (`discovery.seed_hosts`). */
  readonly seedHost: string;
  readonly singleNode: boolean;
  readonly security?: { readonly certificatesDir: string };
  /** `node.store.allow_mmap`; false removes the need for a raised `vm.max_map_count`. */
  readonly allowMmap: boolean;
  /**
   * `cluster.routing.allocation.awareness.attributes`: node attributes (`node.attr.<name>`,
   * given at start) whose values keep a shard's copies apart. @default - none
   */
  readonly awarenessAttributes?: readonly string[];
  /** `path.repo`: the mount paths of shared-filesystem snapshot repositories. @default - none */
  readonly snapshotPaths?: readonly string[];
}

/** Renders `elasticsearch.yml` for one node group. `${POD_NAME}` and friends are expanded by Elasticsearch from the environment. */
export function renderElasticsearchConfig(
  options: ElasticsearchConfigOptions,
): Record<string, unknown> {
  const config: Record<string, unknown> = {
    'cluster.name': options.clusterName,
    'node.name': '${POD_NAME}',
    'node.roles': options.roles,
    'network.host': '0.0.0.0',
    'network.publish_host': '${POD_IP}',
    'http.port': 9200,
    'transport.port': 9300,
    'path.data': '/usr/share/elasticsearch/data',
    'node.store.allow_mmap': options.allowMmap,
  };
  if (options.awarenessAttributes && options.awarenessAttributes.length > 0) {
    config['cluster.routing.allocation.awareness.attributes'] =
      options.awarenessAttributes.join(',');
  }
  if (options.snapshotPaths && options.snapshotPaths.length > 0) {
    config['path.repo'] = [...options.snapshotPaths];
  }
  if (options.singleNode) {
    config['discovery.type'] = 'single-node';
  } else {
    // Not cluster.initial_master_nodes: the start wrapper passes it only while no cluster has
    // formed (renderStartScript), as Elastic says to remove it once one has.
    config['discovery.seed_hosts'] = [options.seedHost];
  }
  if (options.security) {
    const dir = options.security.certificatesDir;
    const tls = {
      enabled: true,
      key: `${dir}/tls.key`,
      certificate: `${dir}/tls.crt`,
      certificate_authorities: [`${dir}/ca.crt`],
    };
    config['xpack.security.enabled'] = true;
    config['xpack.security.enrollment.enabled'] = false;
    // Pod IPs change, so transport verifies the chain, not the host name.
    config['xpack.security.transport.ssl'] = { ...tls, verification_mode: 'certificate' };
    config['xpack.security.http.ssl'] = tls;
  } else {
    config['xpack.security.enabled'] = false;
  }
  return config;
}
