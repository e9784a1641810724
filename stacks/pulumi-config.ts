import * as pulumi from '@pulumi/pulumi';
import { EnvironmentStackArgs, ObservabilityStackOverrides } from '../lib/pulumi';
import { environmentProfile } from './environments';

/**
 * The component's args from a Pulumi stack's config (keys under the project name,
 * `observability-stack:`):
 * - `environment` (required): `dev`, `staging` or `prod`, the profile of `stacks/<environment>.ts`;
 * - `region`: replaces the profile's `region` (the `region` label of every metric);
 * - `overrides`: props merged over the profile, plain objects key by key
 *   (`pulumi config set --path 'overrides.kibana.publicBaseUrl' https://kibana.example.com`).
 */
export function stackArgsFromConfig(config: pulumi.Config): EnvironmentStackArgs {
  const overrides =
    config.getObject<ObservabilityStackOverrides & { environment?: unknown }>('overrides') ?? {};
  if (overrides.environment !== undefined) {
    throw new Error(
      `'overrides.environment' cannot be set, got ${JSON.stringify(overrides.environment)} (set 'environment' to choose the profile)`,
    );
  }
  const region = config.get('region');
  return {
    environment: config.require('environment'),
    profiles: environmentProfile,
    overrides: region === undefined ? overrides : { ...overrides, region },
  };
}
