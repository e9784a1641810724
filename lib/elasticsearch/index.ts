export * from './elasticsearch-cluster';
export * from './elasticsearch-config';
export * from './elasticsearch-exporter';
export * from './elasticsearch-reference';
export * from './elasticsearch-setup';
export * from './elasticsearch-setup-script';
export * from './index-lifecycle';
export * from './index-templates';
