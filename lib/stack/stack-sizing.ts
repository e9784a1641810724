import { IConstruct } from 'constructs';
import { invalidProp } from '../core/errors';
import { durationToSeconds, validateDuration } from '../core/duration';
import { CapacityPlan, planCapacity, SizingInput } from '../sizing/sizing';
import type { ObservabilityStackProps } from './observability-stack';

/** The stack's `sizing` prop: the load, and where the planned volumes live. */
export interface StackSizingProps extends Omit<SizingInput, 'logClasses'> {
  /** StorageClass of the planned Elasticsearch data and Prometheus volumes. @default - the cluster's default StorageClass */
  readonly storageClassName?: string;
}

// Logstash's own default memory: the plan sizes its CPU, not its heap.
const LOGSTASH_MEMORY = '2Gi';

/**
 * The stack props with `sizing`'s plan applied to the Elasticsearch data nodes, Logstash
 * and Prometheus, and the plan. Inputs the stack already has (the log classes with their
 * retention and ingest shares, dedicated masters, scrape interval) are read from it; a value set both by hand and by the plan
 * throws instead of one silently winning.
 */
export function applyCapacityPlan(
  scope: IConstruct,
  props: ObservabilityStackProps,
): { props: ObservabilityStackProps; plan?: CapacityPlan } {
  const sizing = props.sizing;
  if (!sizing) return { props };
  const both = (prop: string, value: unknown, planned: string) => {
    if (value !== undefined) {
      invalidProp(
        scope,
        prop,
        value,
        `is also set by 'sizing', which plans ${planned}`,
        `remove ${prop} to apply the plan, or remove sizing and size by hand`,
      );
    }
  };
  const twice = (prop: string, value: unknown, sizingProp: string) =>
    invalidProp(
      scope,
      prop,
      value,
      `is set twice: here and as '${sizingProp}'`,
      `remove one of ${prop} and ${sizingProp}`,
    );

  both(
    'elasticsearch.data',
    props.elasticsearch?.data,
    'the data nodes (replicas, resources, heapRatio, storage)',
  );
  if (props.logstash !== false) {
    both('logstash.replicas', props.logstash?.replicas, 'the Logstash replicas');
    both('logstash.pipelineWorkers', props.logstash?.pipelineWorkers, 'the pipeline workers');
    both('logstash.resources', props.logstash?.resources, 'the Logstash CPU request');
  }
  if (sizing.prometheus) {
    both('prometheus.retention', props.prometheus?.retention, 'the retention time and size');
    both('prometheus.storage', props.prometheus?.storage, 'the volume');
  }
  const dedicatedMasters = props.elasticsearch?.masters !== undefined;
  if (sizing.dedicatedMasters !== undefined && sizing.dedicatedMasters !== dedicatedMasters) {
    invalidProp(
      scope,
      'sizing.dedicatedMasters',
      sizing.dedicatedMasters,
      `contradicts elasticsearch.masters, which is ${dedicatedMasters ? '' : 'not '}set`,
      'remove sizing.dedicatedMasters: the stack reads it from elasticsearch.masters',
    );
  }
  let scrapeIntervalSeconds = sizing.prometheus?.scrapeIntervalSeconds;
  if (sizing.prometheus && props.prometheus?.scrapeInterval !== undefined) {
    if (scrapeIntervalSeconds !== undefined)
      twice(
        'prometheus.scrapeInterval',
        props.prometheus.scrapeInterval,
        'sizing.prometheus.scrapeIntervalSeconds',
      );
    scrapeIntervalSeconds = durationToSeconds(
      validateDuration(scope, 'prometheus.scrapeInterval', props.prometheus.scrapeInterval),
    );
  }

  const plan = planCapacity(
    {
      ...sizing,
      logClasses: props.logClasses,
      dedicatedMasters,
      prometheus: sizing.prometheus && { ...sizing.prometheus, scrapeIntervalSeconds },
    },
    { scope, propPrefix: 'sizing.', logClassesProp: 'logClasses' },
  );
  const es = plan.elasticsearch;
  const ls = plan.logstash;
  const prom = plan.prometheus;
  const { storageClassName } = sizing;
  return {
    plan,
    props: {
      ...props,
      elasticsearch: {
        ...props.elasticsearch,
        data: {
          replicas: es.dataNodes,
          resources: {
            cpuRequest: `${es.cpuMillis}m`,
            memoryRequest: `${es.memoryGiB}Gi`,
            memoryLimit: `${es.memoryGiB}Gi`,
          },
          heapRatio: es.heapRatio,
          storage: { size: `${es.diskGiB}Gi`, storageClassName },
        },
      },
      logstash:
        props.logstash === false
          ? false
          : {
              ...props.logstash,
              replicas: ls.replicas,
              pipelineWorkers: ls.pipelineWorkers,
              resources: {
                cpuRequest: `${ls.cpuMillis}m`,
                memoryRequest: LOGSTASH_MEMORY,
                memoryLimit: LOGSTASH_MEMORY,
              },
            },
      prometheus: !prom
        ? props.prometheus
        : {
            ...props.prometheus,
            scrapeInterval: Number.isInteger(prom.scrapeIntervalSeconds)
              ? `${prom.scrapeIntervalSeconds}s`
              : `${Math.round(prom.scrapeIntervalSeconds * 1000)}ms`,
            retention: { time: `${prom.retentionDays}d`, size: `${prom.retentionSizeGiB}GB` },
            storage: { size: `${prom.volumeGiB}Gi`, storageClassName },
          },
    },
  };
}
