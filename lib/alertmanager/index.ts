export * from './alertmanager';
export * from './alertmanager-config';
export * from './alertmanager-reference';
export * from './alert-receiver';
export * from './external-url';
