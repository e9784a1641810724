export * from './alertmanager';
export * from './alertmanager-config';
export * from './alertmanager-reference';
