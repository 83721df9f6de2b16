// Loaded first (`node --import`) by the test processes that run an HTTP server and its clients
// in one event loop (the gateway's and the FHIR facade's tests): every `fetch` gets a connection
// of its own (`connection: close`), none is kept alive for the next.
//
// Why: while the process runs JavaScript, no timer runs, the server's keep-alive timer
// included. The CI runs these tests at nice 19 beside the Rust build, where a few
// milliseconds of work take seconds; a stretch past the server's keep-alive (the gateway's 5 s,
// the facade's 65 s) ends with the test sending its next request on the idle connection and,
// before the server reads it, the server's overdue timer closing that connection: the request
// fails with ECONNRESET (`fetch failed`). Session 19's CI failed so in the facade's tests, and
// in the gateway's on a run from nothing in session 20. A new connection per request has no
// idle one to lose; what the tests check is unchanged, the connections' reuse aside.
const send = globalThis.fetch;

globalThis.fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
  // What `fetch` itself would send: the init's headers, else the request's.
  const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
  headers.set('connection', 'close');
  return send(input, { ...init, headers });
};
