// One Durable Object per live session: the fan-out of its pins to the viewers' pages. It holds
// their WebSockets through the hibernation API (an idle socket costs nothing: the object is
// evicted from memory and woken only by a message or a push) and forwards the session's feed
// to every socket when the creator changes a pin. It decides nothing and stores nothing: the
// D1 rows stay the source of truth, the feed it sends is the one Rust renders
// (GET /api/live/{id}), and the shim (src/shim.mjs) is its only caller. It is JS because it is
// only I/O, and the wasm has no room for the `worker` crate's Durable Object glue.
import { DurableObject } from "cloudflare:workers";

export class LiveRoom extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    // A page's keep-alive is answered without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/socket") {
      const [client, server] = Object.values(new WebSocketPair());
      this.ctx.acceptWebSocket(server);
      return new Response(null, { status: 101, webSocket: client });
    }
    if (url.pathname === "/viewers") return Response.json({ viewers: this.viewers() });
    if (url.pathname === "/push" && request.method === "POST") {
      // The feed as Rust rendered it, with the count of open sockets added.
      const feed = await request.json();
      const sockets = this.ctx.getWebSockets();
      const message = JSON.stringify({ ...feed, viewers: sockets.length });
      let sent = 0;
      for (const ws of sockets) {
        try {
          ws.send(message);
          sent++;
        } catch {
          // A socket closing as we send: its close handler will have it.
        }
      }
      return Response.json({ sent });
    }
    return new Response(null, { status: 404 });
  }

  viewers() {
    return this.ctx.getWebSockets().length;
  }

  // Viewers send nothing but keep-alives (answered above); anything else is ignored.
  webSocketMessage() {}

  webSocketClose(ws, code) {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "bye");
    } catch {
      // Already closed.
    }
  }

  webSocketError(ws) {
    try {
      ws.close(1011, "error");
    } catch {
      // Already closed.
    }
  }
}
