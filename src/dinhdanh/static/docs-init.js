// Starts Swagger UI on /docs from a file, so the page keeps a strict CSP (no inline script).
window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
