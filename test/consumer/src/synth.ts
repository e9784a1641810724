import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { App } from 'cdk8s';
import { IConstruct } from 'constructs';
import { listExternalSecrets } from '@observability/k8s-stack';
import { SCENARIOS } from './scenarios';

/**
 * `node build/synth.js <scenario> <outdir>`: builds one scenario's app, synthesizes it to
 * `<outdir>/manifests` as `cdk8s synth` would, and writes the Secrets it reads (the ones its
 * user must create) to `<outdir>/secrets.json` as `namespace/name`.
 */
const [name, outdir] = process.argv.slice(2);
const build = SCENARIOS[name];
if (!build || !outdir) {
  console.error(`usage: synth.js <${Object.keys(SCENARIOS).join('|')}> <outdir>`);
  process.exit(2);
}
const app = new App({ outdir: join(outdir, 'manifests') });
build(app);
app.synth();
mkdirSync(outdir, { recursive: true });
const secrets = listExternalSecrets(app as IConstruct).map((s) => `${s.namespace}/${s.name}`);
writeFileSync(join(outdir, 'secrets.json'), JSON.stringify(secrets, null, 2));
