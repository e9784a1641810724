import * as pulumi from '@pulumi/pulumi';
import { ObservabilityStackResource } from '@observability/k8s-stack/pulumi';

/**
 * `node build/pulumi-program.js`: the Pulumi component under Pulumi's own mocks, as a
 * consumer's unit test would run it. Prints, as JSON, the `apiVersion kind namespace name` of
 * every object the component synthesized and of every Kubernetes resource it registered.
 */
async function main(): Promise<void> {
  const registered: string[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        if (args.type.startsWith('kubernetes:')) {
          const o = args.inputs;
          registered.push(
            `${o.apiVersion} ${o.kind} ${o.metadata?.namespace ?? '-'} ${o.metadata?.name}`,
          );
        }
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    'consumer',
    'dev',
  );
  const component = new ObservabilityStackResource('observability', {
    environment: 'dev',
    region: 'eu-west-1',
    logstash: false,
    elasticsearch: { security: { enabled: false } },
  });
  const settled = <T>(output: pulumi.Output<T>) =>
    new Promise<T>((resolve) => output.apply(resolve));
  await settled(pulumi.all(Object.values(component.resources).map((r) => r.urn)));
  const synthesized = component.manifests.map(
    (o) => `${o.apiVersion} ${o.kind} ${o.metadata?.namespace ?? '-'} ${o.metadata?.name}`,
  );
  console.log(JSON.stringify({ synthesized, registered }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
