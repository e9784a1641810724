import { ErrorScope, invalidProp } from './errors';

/**
 * Every image this package deploys, pinned to an exact tag in one place.
 * Each construct takes an `image` prop to override its entry.
 */
/**
 * The Elastic stack release that Elasticsearch, Kibana, Logstash and Filebeat run
 * (`ObservabilityStackProps.elasticStackVersion`). The four must share one release line:
 * Kibana refuses an Elasticsearch of another minor, and Beats and Logstash must not be
 * newer than the cluster.
 */
export enum ElasticStackVersion {
  /** The 9.x line, the default. */
  V9_4 = '9.4.1',
  /**
   * The 8.19 line, the last 8.x minor, maintained beside 9.x, for clusters that cannot move
   * yet. The real-tool tier runs Elasticsearch at exactly this release (scripts/install-tools.sh
   * reads it from this line).
   */
  V8_19 = '8.19.21',
}

/** The Elastic components whose images follow {@link ElasticStackVersion}. */
export type ElasticComponent = 'elasticsearch' | 'kibana' | 'logstash' | 'filebeat';

const ELASTIC_REPOSITORIES: Record<ElasticComponent, string> = {
  elasticsearch: 'docker.elastic.co/elasticsearch/elasticsearch',
  kibana: 'docker.elastic.co/kibana/kibana',
  logstash: 'docker.elastic.co/logstash/logstash',
  filebeat: 'docker.elastic.co/beats/filebeat',
};

/** The image of an Elastic component at a stack release. */
export function elasticImage(
  component: ElasticComponent,
  version: ElasticStackVersion = ElasticStackVersion.V9_4,
): string {
  return `${ELASTIC_REPOSITORIES[component]}:${version}`;
}

export const Images = {
  /** Elastic stack 9.x; `elasticStackVersion` selects 8.19 for the whole stack. */
  elasticsearch: elasticImage('elasticsearch'),
  kibana: elasticImage('kibana'),
  logstash: elasticImage('logstash'),
  filebeat: elasticImage('filebeat'),
  prometheus: 'quay.io/prometheus/prometheus:v3.16.0',
  alertmanager: 'quay.io/prometheus/alertmanager:v0.34.2',
  /**
   * The sidecar and the querier of the de-duplicated HA Prometheus (`PrometheusProps.thanos`).
   * The real-tool tier builds this exact version from its Go module (scripts/install-tools.sh).
   * v0.42.4, not v0.42.5: v0.42.5's go.mod requires Go 1.26.10, newer than the toolchain the
   * tier builds with (1.26.8). Raise it with that toolchain.
   */
  thanos: 'quay.io/thanos/thanos:v0.42.4',
  nodeExporter: 'quay.io/prometheus/node-exporter:v1.12.1',
  kubeStateMetrics: 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.17.0',
  grafana: 'docker.io/grafana/grafana:13.2.3',
  /**
   * 2.13.0, not a later 2.x: the real-tool tier builds this exact version from its Go module
   * (Jaeger v2.N.P is github.com/jaegertracing/jaeger v1.(N+63).P, see scripts/install-tools.sh),
   * and v1.76.0 (= 2.13.0) is the newest the Go module proxy serves. Raise it with that module.
   */
  jaeger: 'docker.io/jaegertracing/jaeger:2.13.0',
  /** Deletes Jaeger's daily span indices past their retention; the v1 line's tool, built from the same module as Jaeger. */
  jaegerIndexCleaner: 'docker.io/jaegertracing/jaeger-es-index-cleaner:1.76.0',
  elasticsearchExporter: 'quay.io/prometheuscommunity/elasticsearch-exporter:v1.11.0',
  /** The maintained v1 line; v2 is a rewrite configured by file. */
  // Published to GitHub's registry; v1 is the line the project calls production-ready.
  logstashExporter: 'ghcr.io/kuskoman/logstash-exporter:v1.9.1',
  /**
   * Serves Filebeat's JSON stats (`/stats` on 5066) as `filebeat_libbeat_*` metrics.
   * Published for linux/amd64 only; configured by flags (`-beat.uri`, `-web.listen-address`).
   */
  beatExporter: 'docker.io/trustpilot/beat-exporter:0.4.0',
  /**
   * The authenticating proxy in front of each UI (`access`). Distroless, runs as 65532;
   * the real-tool tier builds this exact version from its Go module.
   */
  oauth2Proxy: 'quay.io/oauth2-proxy/oauth2-proxy:v7.15.4',
  /**
   * ElastAlert 2: runs the log alert rules on Elasticsearch and posts what fires to
   * Alertmanager. The image is tagged with the PyPI release, which the real-tool tier
   * installs (scripts/install-tools.sh): raise both together.
   */
  elastalert: 'docker.io/jertel/elastalert2:2.31.0',
  /** Only its `sysctl` applet runs: the privileged step that raises `vm.max_map_count`. */
  sysctl: 'docker.io/library/busybox:1.37.0',
  /** Keeps the node-tuning DaemonSet's pods running (and Ready) once their init container is done. */
  pause: 'registry.k8s.io/pause:3.10',
} as const;

/** The tag of an image reference (`repo:tag` or `repo@digest`), used for `app.kubernetes.io/version`. */
export function imageVersion(image: string): string {
  const at = image.indexOf('@');
  if (at >= 0)
    return image
      .slice(at + 1)
      .replace(/^sha256:/, '')
      .slice(0, 12);
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(colon + 1) : 'latest';
}

/** Rejects image references that are not pinned to a tag or digest. */
export function validateImage(scope: ErrorScope, prop: string, image: string): string {
  const version = imageVersion(image);
  if (!image || version === 'latest') {
    invalidProp(
      scope,
      prop,
      image,
      'must be pinned to an exact tag or digest',
      "use 'registry/repository:1.2.3' or 'registry/repository@sha256:...'",
    );
  }
  return image;
}
