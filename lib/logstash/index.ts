export * from './logstash';
export * from './logstash-config';
export * from './logstash-exporter';
export * from './logstash-pipeline';
export * from './logstash-reference';
