/**
 * The flat log shape's fields and their ECS names (older services log `level`,
 * `service`, `trace_id`, `span_id`). The Filebeat script on the node applies it, for
 * both outputs; Logstash, whose only input is that Filebeat, renames nothing.
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
