export * from './grafana-config';
export * from './grafana';
