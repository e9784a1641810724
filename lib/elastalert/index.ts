export * from './log-alert-rules';
export * from './log-alerting';
