export * from './filebeat';
export * from './filebeat-config';
export * from './filebeat-exporter';
export * from './log-processing';
