import {
  ObservabilityStackProps,
  SnapshotRepository,
  Spread,
  TraceStorage,
  ValueMask,
  VirtualMemory,
} from '../lib';
import { uiAccess } from './teams';

/**
 * prod: dedicated masters, replicated everything that can be, replicas kept
 * apart across nodes (required) and zones (preferred).
 */
export const prod: ObservabilityStackProps = {
  environment: 'prod',
  region: 'eu-west-1',
  elasticsearch: {
    masters: { replicas: 3 },
    data: {
      replicas: 3,
      resources: { cpuRequest: '2', memoryRequest: '8Gi', memoryLimit: '8Gi' },
      storage: { size: '200Gi' },
    },
    spread: Spread.REQUIRED,
    // Memory-mapped index files (node.store.allow_mmap: true), the setting Elastic advises in
    // production: the node-tuning DaemonSet in the agents namespace raises vm.max_map_count on
    // every node, and the Elasticsearch pods stay restricted.
    virtualMemory: VirtualMemory.NODE_TUNING,
    // Daily snapshots of every log class (kept as long as the class: trades 365 days) to S3,
    // with an access key from Secret elasticsearch-snapshots-s3 in every node's keystore.
    snapshotRepository: SnapshotRepository.s3({
      bucket: 'acme-observability-prod-snapshots',
      basePath: 'elasticsearch/prod',
      credentials: {
        accessKey: { name: 'elasticsearch-snapshots-s3', key: 'access-key' },
        secretKey: { name: 'elasticsearch-snapshots-s3', key: 'secret-key' },
      },
    }),
  },
  // logClasses left out: DEFAULT_LOG_CLASSES, errors 90 / trades 365 / ai 30 / all 30 days.
  kibana: { replicas: 2, spread: Spread.REQUIRED },
  logstash: {
    replicas: 3,
    persistentQueue: { size: '20Gi' },
    deadLetterQueue: true,
    spread: Spread.REQUIRED,
  },
  // Card numbers (the default) and e-mail addresses are masked wherever they appear.
  filebeat: { logProcessing: { valueMasks: [ValueMask.PAYMENT_CARDS, ValueMask.EMAIL_ADDRESSES] } },
  prometheus: {
    replicas: 2,
    retention: { time: '15d', size: '90GB' },
    storage: { size: '100Gi' },
    spread: Spread.REQUIRED,
    // The two replicas queried as one: a Thanos sidecar in each pod and a querier (2 pods)
    // that merges their series, so Grafana shows no gap when one replica restarts.
    thanos: {},
  },
  // Critical alerts page through PagerDuty and go on to Slack; warnings go to Slack.
  alertmanager: {
    replicas: 3,
    spread: Spread.REQUIRED,
    slack: { channel: '#alerts-prod' },
    pagerDuty: {},
    deadMansSwitch: {},
  },
  // One replica: Grafana HA needs an external database (set `database` to scale out).
  grafana: { replicas: 1 },
  jaeger: {
    storage: TraceStorage.ELASTICSEARCH,
    samplingRate: 0.1,
    replicas: 2,
    spread: Spread.REQUIRED,
  },
  // UIs at https://<ui>.observability.example.com, behind OIDC sign-in; stacks/teams.ts says who sees what.
  access: uiAccess('observability.example.com', 'observability-prod', {
    replicas: 2,
    spread: Spread.REQUIRED,
  }),
};
