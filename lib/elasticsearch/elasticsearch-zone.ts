import { IConstruct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { renderContainer, fieldRefEnv } from '../core/workload';

/** The well-known node label of a node's zone, set by cloud providers and most installers. */
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
/** The node attribute the nodes carry and allocation awareness reads (`node.attr.zone`). */
export const ZONE_ATTRIBUTE = 'zone';
/** Where the zone init container leaves the zone for the Elasticsearch container. */
export const ZONE_DIR = '/mnt/zone';
/** The standard place of a pod's API credentials (token, CA), mounted in the init container only. */
export const API_CREDENTIALS_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The RBAC rule the zone lookup needs, and nothing more: `get` on `nodes`. */
export const ZONE_LOOKUP_RULES: k8s.PolicyRule[] = [
  { apiGroups: [''], resources: ['nodes'], verbs: ['get'] },
];

export interface ZoneScriptOptions {
  /** The file the zone is written to. @default '/mnt/zone/zone' */
  readonly zoneFile?: string;
  /** The directory holding `token` and `ca.crt`. @default API_CREDENTIALS_DIR */
  readonly credentialsDir?: string;
}

/**
 * The script of the zone init container (bash, curl): reads the Node the pod runs on
 * (`NODE_NAME`, from the downward API's `spec.nodeName`) from the API server
 * (`KUBERNETES_SERVICE_HOST`/`_PORT`, which the kubelet sets in every container) with the
 * pod's token and CA, and writes its `topology.kubernetes.io/zone` label to the zone file.
 * A pod cannot read its node's labels through the downward API on Kubernetes 1.27.
 *
 * A node without the label fails the container, naming the node and the fixes: awareness
 * never allocates a shard copy to a node that lacks the attribute, and a made-up zone would
 * claim a separation that is not there.
 */
export function renderZoneScript(options: ZoneScriptOptions = {}): string {
  const file = options.zoneFile ?? `${ZONE_DIR}/zone`;
  const dir = options.credentialsDir ?? API_CREDENTIALS_DIR;
  const labelPattern = ZONE_LABEL.replace(/[./]/g, (c) => `\\${c}`);
  return (
    [
      'set -u',
      `dir='${dir}'`,
      'host="$KUBERNETES_SERVICE_HOST"',
      'case "$host" in *:*) host="[$host]" ;; esac',
      'url="https://$host:$KUBERNETES_SERVICE_PORT/api/v1/nodes/$NODE_NAME"',
      'node="$(curl --silent --show-error --fail --max-time 10 --cacert "$dir/ca.crt" -H "Authorization: Bearer $(cat "$dir/token")" "$url")" || { echo "cannot read node $NODE_NAME from the API server ($url)"; exit 1; }',
      // The API server may pretty-print for curl: one line first.
      `zone="$(printf '%s' "$node" | tr -d '\\n' | sed -n 's/.*"${labelPattern}": *"\\([^"]*\\)".*/\\1/p')"`,
      `[ -n "$zone" ] || { echo "node $NODE_NAME has no label ${ZONE_LABEL}: Elasticsearch allocation awareness would place no shard on this node. Label every node (kubectl label node $NODE_NAME ${ZONE_LABEL}=<zone>), or set zoneAwareness: false"; exit 1; }`,
      `printf '%s\\n' "$zone" > '${file}'`,
      'echo "node $NODE_NAME is in zone $zone"',
    ].join('\n') + '\n'
  );
}

/**
 * The zone init container and the volumes it needs: the pod's API credentials (a projected
 * token and the cluster CA, mounted here only: the pod's `automountServiceAccountToken` stays
 * false, so the Elasticsearch container holds no token) and the emptyDir the zone goes to.
 */
export function renderZoneInitContainer(
  scope: IConstruct,
  image: string,
): { initContainer: k8s.Container; volumes: k8s.Volume[]; volumeMount: k8s.VolumeMount } {
  const initContainer = renderContainer(scope, 'resources', {
    name: 'zone',
    image,
    command: ['bash', '-c', renderZoneScript()],
    env: [fieldRefEnv('NODE_NAME', 'spec.nodeName')],
    resources: { cpuRequest: '10m', memoryRequest: '32Mi', memoryLimit: '64Mi' },
    volumeMounts: [
      { name: 'zone', mountPath: ZONE_DIR },
      { name: 'api-credentials', mountPath: API_CREDENTIALS_DIR, readOnly: true },
    ],
  });
  return {
    initContainer,
    volumes: [
      { name: 'zone', emptyDir: {} },
      {
        name: 'api-credentials',
        projected: {
          sources: [
            { serviceAccountToken: { path: 'token', expirationSeconds: 600 } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          ],
        },
      },
    ],
    volumeMount: { name: 'zone', mountPath: ZONE_DIR, readOnly: true },
  };
}
