export * from './grafana-config';
export * from './service-overview-dashboard';
export * from './grafana';
