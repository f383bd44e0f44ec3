// One images.generate call through the OpenAI Node SDK, for tests/test_e2e_sdk.py.
// Usage: node images.mjs BASE_URL REQUEST_JSON. Prints what the SDK returned, or its error, as
// one JSON object: {"data": [...], "headers": {...}} or {"error": {"status", "code", "name"}}.
import OpenAI from "openai";

const [baseURL, request] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: "unused", maxRetries: 0 });
try {
  const { data, response } = await client.images.generate(JSON.parse(request)).withResponse();
  const headers = Object.fromEntries(
    ["x-cache", "x-cache-match", "x-memoaized-model"].map((name) => [name, response.headers.get(name)]),
  );
  console.log(JSON.stringify({ data: data.data, headers }));
} catch (error) {
  console.log(JSON.stringify({ error: { status: error.status, code: error.code, name: error.constructor.name } }));
}
