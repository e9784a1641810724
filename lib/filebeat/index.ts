export * from './filebeat';
export * from './filebeat-config';
