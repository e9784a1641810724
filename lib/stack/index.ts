export * from './observability-stack';
export * from './network-policies';
export * from './latency-budget';
