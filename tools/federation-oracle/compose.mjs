// Compose subgraphs into a supergraph with Apollo's own composition.
// stdin: JSON [{"name", "url", "sdl"}]; stdout: the supergraph SDL; exit 1 with the
// composition errors on stderr. Driven by `python -m tests.federation.tools.compose`.
import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { composeServices } from '@apollo/composition';

const subgraphs = JSON.parse(readFileSync(0, 'utf8'));
const result = composeServices(
  subgraphs.map(({ name, url, sdl }) => ({ name, url, typeDefs: parse(sdl) })),
);
if (result.errors && result.errors.length > 0) {
  for (const error of result.errors) {
    process.stderr.write(`${error.extensions?.code ?? 'ERROR'}: ${error.message}\n`);
  }
  process.exit(1);
}
for (const hint of result.hints ?? []) {
  process.stderr.write(`hint ${hint.definition.code}: ${hint.message}\n`);
}
process.stdout.write(result.supergraphSdl);
if (!result.supergraphSdl.endsWith('\n')) process.stdout.write('\n');
