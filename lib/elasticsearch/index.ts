export * from './elasticsearch-cluster';
export * from './elasticsearch-config';
export * from './elasticsearch-reference';
