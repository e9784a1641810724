import { IConstruct } from 'constructs';
import { UiAccess } from '../access';
import { Component } from '../core/component';
import { ExternalSecret } from '../core/secrets';

/** A Secret the constructs read and the user creates, with the namespace it must live in. */
export interface StackSecret extends ExternalSecret {
  readonly namespace: string;
}

/**
 * Every Secret the package's constructs under `scope` read, with its namespace: what the user
 * must create before applying. `scope` may be a whole App (constructs in several charts), a
 * chart, or one construct.
 */
export function listExternalSecrets(scope: IConstruct): StackSecret[] {
  return scope.node
    .findAll()
    .flatMap((c) =>
      c instanceof Component || c instanceof UiAccess
        ? c.externalSecrets.map((s) => ({ ...s, namespace: c.namespace }))
        : [],
    );
}
