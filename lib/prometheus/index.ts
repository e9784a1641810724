export * from './duration';
export * from './kube-state-metrics';
export * from './node-exporter';
export * from './prometheus';
export * from './prometheus-config';
export * from './prometheus-reference';
export * from './storage';
