// The limit: a JS worker that answers a constant 302 and touches no binding.
export default {
  fetch() {
    return new Response(null, { status: 302, headers: { location: "https://shop.example/p?x=1" } });
  },
};
