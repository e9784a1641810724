import { join } from 'path';
import { App, YamlOutputType } from 'cdk8s';
import { ObservabilityStack } from '../lib';
import { ENVIRONMENTS, environmentProfile } from './environments';

/** Writes one environment's manifests to `<outdir>/<environment>/observability.k8s.yaml`. */
export function synthesizeEnvironment(environment: string, outdir: string): void {
  const app = new App({
    outdir: join(outdir, environment),
    yamlOutputType: YamlOutputType.FILE_PER_CHART,
  });
  new ObservabilityStack(app, 'observability', environmentProfile(environment));
  app.synth();
}

// `cdk8s synth` runs this file with CDK8S_OUTDIR set to the `output` of cdk8s.yaml.
if (require.main === module) {
  const outdir = process.env.CDK8S_OUTDIR ?? 'dist';
  for (const environment of ENVIRONMENTS) synthesizeEnvironment(environment, outdir);
}
