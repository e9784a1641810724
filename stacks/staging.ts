import {
  DEFAULT_LOG_CLASSES,
  ObservabilityStackProps,
  SnapshotRepository,
  Spread,
  TraceStorage,
  ValueMask,
  VirtualMemory,
  withLogRetention,
} from '../lib';
import { uiAccess } from './teams';

/**
 * staging: production's shape at a smaller scale. Three Elasticsearch nodes
 * with every role, TLS and authentication, a persistent Logstash queue,
 * traces on Elasticsearch, PDBs for every replicated workload.
 */
export const staging: ObservabilityStackProps = {
  environment: 'staging',
  region: 'eu-west-1',
  elasticsearch: {
    data: { replicas: 3, storage: { size: '50Gi' } },
    spread: Spread.PREFERRED,
    // As prod: memory-mapped storage with the node tuner, so that staging runs the searches and
    // the DaemonSet prod runs, and a node the tuner misses shows here first.
    virtualMemory: VirtualMemory.NODE_TUNING,
    // Production's backups, in a bucket of its own: the restore procedure is rehearsed here.
    snapshotRepository: SnapshotRepository.s3({
      bucket: 'acme-observability-staging-snapshots',
      basePath: 'elasticsearch/staging',
      credentials: {
        accessKey: { name: 'elasticsearch-snapshots-s3', key: 'access-key' },
        secretKey: { name: 'elasticsearch-snapshots-s3', key: 'secret-key' },
      },
    }),
  },
  // Production's classes, shorter.
  logClasses: withLogRetention(DEFAULT_LOG_CLASSES, {
    all: '7d',
    errors: '30d',
    trades: '30d',
    ai: '7d',
  }),
  kibana: { replicas: 1 },
  logstash: {
    replicas: 2,
    persistentQueue: { size: '10Gi' },
  },
  // Card numbers (the default) and e-mail addresses are masked wherever they appear.
  filebeat: { logProcessing: { valueMasks: [ValueMask.PAYMENT_CARDS, ValueMask.EMAIL_ADDRESSES] } },
  prometheus: {
    replicas: 1,
    retention: { time: '7d', size: '40GB' },
    storage: { size: '50Gi' },
  },
  alertmanager: { replicas: 1, slack: { channel: '#alerts-staging' } },
  grafana: { replicas: 1 },
  jaeger: { storage: TraceStorage.ELASTICSEARCH, samplingRate: 0.1, replicas: 1 },
  // UIs at https://<ui>.staging.observability.example.com, behind OIDC sign-in; stacks/teams.ts says who sees what.
  access: uiAccess('staging.observability.example.com', 'observability-staging'),
};
