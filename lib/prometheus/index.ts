export * from './alert-rules';
export * from './alert-runbook';
export * from './kube-state-metrics';
export * from './node-exporter';
export * from './prometheus';
export * from './prometheus-config';
export * from './prometheus-reference';
