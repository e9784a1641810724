export * from './deployment-order';
export * from './kubernetes-resource';
export * from './observability-stack-resource';
