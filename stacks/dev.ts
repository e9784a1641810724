import {
  DEFAULT_LOG_CLASSES,
  ObservabilityStackProps,
  Spread,
  TraceStorage,
  withLogRetention,
} from '../lib';

/**
 * dev: a laptop cluster (kind, minikube). One of everything, about 2 CPU and
 * 4 GiB of requests, no Pod disruption budgets, every trace kept in memory.
 */
export const dev: ObservabilityStackProps = {
  environment: 'dev',
  region: 'local',
  elasticsearch: {
    data: {
      replicas: 1,
      resources: { cpuRequest: '300m', memoryRequest: '1Gi', memoryLimit: '1Gi' },
      storage: { size: '5Gi' },
    },
    // Explicit: a throwaway dev cluster without TLS and passwords.
    security: { enabled: false },
    spread: Spread.NONE,
  },
  // Short: a laptop cluster keeps little disk.
  logClasses: withLogRetention(DEFAULT_LOG_CLASSES, {
    all: '2d',
    errors: '7d',
    trades: '7d',
    ai: '2d',
  }),
  kibana: {
    replicas: 1,
    resources: { cpuRequest: '200m', memoryRequest: '512Mi', memoryLimit: '1Gi' },
  },
  logstash: {
    replicas: 1,
    resources: { cpuRequest: '200m', memoryRequest: '768Mi', memoryLimit: '768Mi' },
  },
  prometheus: {
    replicas: 1,
    retention: { time: '2d' },
    storage: { size: '5Gi' },
    resources: { cpuRequest: '200m', memoryRequest: '512Mi', memoryLimit: '1Gi' },
    // kind and minikube sign kubelet serving certificates with a CA the pods do not get.
    kubeletInsecureSkipVerify: true,
  },
  alertmanager: { replicas: 1 },
  grafana: { replicas: 1 },
  // The UI through `kubectl -n observability port-forward svc/jaeger-query 16686`, so that
  // Kibana's trace.id links open it.
  jaeger: {
    storage: TraceStorage.MEMORY,
    samplingRate: 1,
    publicBaseUrl: 'http://localhost:16686',
  },
};
