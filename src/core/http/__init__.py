"""HTTP: what every request and response goes through, whatever the context. Middleware
and body guards, parsers and content negotiation, the client's address, request ids,
RFC 9457 problem details (``problems``) and their catalogue of codes (``catalogue``),
pagination, throttles, the OpenAPI generator, URL converters, routers, id fields and
the domain index view."""
