export * from './observability-stack';
export * from './network-policies';
export * from './observability-namespace';
export * from './latency-budget';
export * from './external-secrets';
export * from './stack-sizing';
