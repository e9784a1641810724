export * from './jaeger-reference';
export * from './jaeger-storage';
export * from './jaeger-config';
export * from './jaeger';
