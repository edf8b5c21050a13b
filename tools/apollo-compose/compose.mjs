// Reference composition with Apollo's @apollo/composition, for gateway/compose's differential tests.
// Usage: node compose.mjs FIXTURE_DIR...   (each dir holds <name>.graphql files with a
// "# routing-url: URL" first line); writes FIXTURE_DIR/apollo.json:
//   {"supergraph": "...", "errors": [{"code", "message"}], "hints": [{"code", "message"}]}
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, basename } from "node:path";

function routingUrl(sdl, name) {
  const m = sdl.match(/^#\s*routing-url:\s*(\S+)/m);
  return m ? m[1] : `http://${name}.invalid/graphql`;
}

for (const dir of process.argv.slice(2)) {
  const services = readdirSync(dir)
    .filter((f) => f.endsWith(".graphql"))
    .sort()
    .map((f) => {
      const sdl = readFileSync(join(dir, f), "utf8");
      const name = basename(f, ".graphql");
      return { name, url: routingUrl(sdl, name), typeDefs: parse(sdl) };
    });
  let result;
  try {
    result = composeServices(services);
  } catch (e) {
    console.log(`${dir}: Apollo crashed: ${e.message}`);
    continue;
  }
  const out = {
    supergraph: result.errors ? null : result.supergraphSdl,
    errors: (result.errors ?? []).map((e) => ({ code: e.extensions?.code ?? null, message: e.message })),
    hints: (result.hints ?? []).map((h) => ({ code: h.definition.code, message: h.message })),
  };
  writeFileSync(join(dir, "apollo.json"), JSON.stringify(out, null, 2) + "\n");
  console.log(`${dir}: ${out.errors.length ? out.errors.map((e) => e.code).join(",") : "ok"}`);
}
