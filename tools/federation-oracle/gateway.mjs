// Apollo Gateway + Apollo Server in front of a supergraph file: the oracle that records the
// expected answers of tests/federation (`python -m tests.federation.tools.record`).
// Same surface as `rumah gateway serve`: GET /health, POST /graphql.
//   node gateway.mjs --supergraph FILE --port PORT
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloGateway } from '@apollo/gateway';

function option(name) {
  const at = process.argv.indexOf(name);
  if (at < 0 || at + 1 >= process.argv.length) throw new Error(`missing ${name}`);
  return process.argv[at + 1];
}

const supergraphSdl = readFileSync(option('--supergraph'), 'utf8');
const port = Number(option('--port'));

const gateway = new ApolloGateway({ supergraphSdl });
const server = new ApolloServer({
  gateway,
  includeStacktraceInErrorResponses: false,
  csrfPrevention: false,
});
await server.start();

function readBody(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

const http = createServer(async (request, response) => {
  const url = new URL(request.url, `http://${request.headers.host}`);
  if (request.method === 'GET' && url.pathname === '/health') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"status":"ok"}');
    return;
  }
  if (url.pathname !== '/graphql') {
    response.writeHead(404);
    response.end();
    return;
  }
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const raw = await readBody(request);
  let body;
  try {
    body = raw ? JSON.parse(raw) : undefined;
  } catch {
    body = raw;
  }
  const result = await server.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: request.method, headers, search: url.search, body },
    context: async () => ({}),
  });
  for (const [key, value] of result.headers) response.setHeader(key, value);
  response.statusCode = result.status ?? 200;
  if (result.body.kind === 'complete') {
    response.end(result.body.string);
  } else {
    for await (const chunk of result.body.asyncIterator) response.write(chunk);
    response.end();
  }
});
http.listen(port, '127.0.0.1');

async function shutdown() {
  http.close();
  await server.stop();
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.stdin.on('end', shutdown);
process.stdin.resume();
