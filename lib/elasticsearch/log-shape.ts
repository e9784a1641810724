/**
 * The flat log shape's fields and their ECS names (older services log `level`,
 * `service`, `trace_id`, `span_id`; docs/architecture.md section 5.2). The log event's
 * shape is Elasticsearch's: its index templates map the ECS fields (`ECS_LOG_FIELDS` in
 * index-templates.ts), and these flat names are searchable only as the ECS ones. The
 * Filebeat script on the node applies the renames, for both outputs; Logstash, whose only
 * input is that Filebeat, renames nothing.
 */
export const FLAT_TO_ECS_FIELDS: readonly {
  readonly from: string;
  readonly to: readonly string[];
}[] = [
  { from: 'level', to: ['log', 'level'] },
  { from: 'service', to: ['service', 'name'] },
  { from: 'trace_id', to: ['trace', 'id'] },
  { from: 'span_id', to: ['span', 'id'] },
];
