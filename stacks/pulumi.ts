import * as pulumi from '@pulumi/pulumi';
import { ObservabilityStackResource } from '../lib/pulumi';
import { stackArgsFromConfig } from './pulumi-config';

// The program of `pulumi up` (Pulumi.yaml `main`): the stack's config picks the environment.
// The Kubernetes provider is Pulumi's default one, so `kubernetes:context` picks the cluster.
const observability = new ObservabilityStackResource(
  'observability',
  stackArgsFromConfig(new pulumi.Config()),
);

export const environment = observability.stack.environment;
export const endpoints = observability.endpoints;
export const uiUrls = observability.uiUrls;
export const externalSecrets = observability.externalSecrets;
