export * from './observability-stack';
export * from './network-policies';
