export * from './filebeat';
export * from './filebeat-config';
export * from './log-processing';
