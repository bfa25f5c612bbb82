// deno-lint-ignore-file no-console -- a Node program whose results are its output
// A gRPC server and client in one Node process for l7trace's end-to-end
// tests, with @grpc/grpc-js and raw-buffer messages (no .proto needed).
// Usage: node grpc_app.cjs MODULES_DIR PORT
// Makes: a unary call, a server-streaming call (3 replies), a unary call
// that fails with NOT_FOUND; prints one line per result.
const grpc = require(process.argv[2] + "/@grpc/grpc-js");
const port = Number(process.argv[3]);
const raw = { serialize: (b) => b, deserialize: (b) => b };
const service = {
  Echo: {
    path: "/demo.Echo/Echo",
    requestStream: false,
    responseStream: false,
    requestSerialize: raw.serialize,
    requestDeserialize: raw.deserialize,
    responseSerialize: raw.serialize,
    responseDeserialize: raw.deserialize,
  },
  Count: {
    path: "/demo.Echo/Count",
    requestStream: false,
    responseStream: true,
    requestSerialize: raw.serialize,
    requestDeserialize: raw.deserialize,
    responseSerialize: raw.serialize,
    responseDeserialize: raw.deserialize,
  },
  Fail: {
    path: "/demo.Echo/Fail",
    requestStream: false,
    responseStream: false,
    requestSerialize: raw.serialize,
    requestDeserialize: raw.deserialize,
    responseSerialize: raw.serialize,
    responseDeserialize: raw.deserialize,
  },
};
const server = new grpc.Server();
server.addService(service, {
  Echo: (call, cb) => cb(null, Buffer.concat([Buffer.from("echo:"), call.request])),
  Count: (call) => {
    for (let i = 1; i <= 3; i++) call.write(Buffer.from(`n${i}`));
    call.end();
  },
  Fail: (_call, cb) => cb({ code: grpc.status.NOT_FOUND, details: "no such thing" }),
});
server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), async (err) => {
  if (err) throw err;
  const Client = grpc.makeGenericClientConstructor(service, "Echo");
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const unary = (m, req) =>
    new Promise((res) => client[m](req, (e, r) => res(e ? `error ${e.code} ${e.details}` : r.toString())));
  console.log(await unary("Echo", Buffer.from("hi")));
  await new Promise((res) => {
    const got = [];
    const s = client.Count(Buffer.from("go"));
    s.on("data", (d) => got.push(d.toString()));
    s.on("end", () => {
      console.log(got.join(","));
      res();
    });
  });
  console.log(await unary("Fail", Buffer.from("x")));
  client.close();
  server.forceShutdown();
});
