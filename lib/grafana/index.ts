export * from './grafana-config';
export * from './infrastructure-dashboard';
export * from './service-overview-dashboard';
export * from './stack-health-dashboard';
export * from './grafana';
