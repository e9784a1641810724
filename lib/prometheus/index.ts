export * from './alert-rules';
export * from './application-alert-rules';
export * from './kube-state-metrics';
export * from './node-exporter';
export * from './prometheus';
export * from './prometheus-config';
export * from './prometheus-reference';
export * from './stack-alert-rules';
