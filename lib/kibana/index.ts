export * from './kibana';
export * from './kibana-config';
