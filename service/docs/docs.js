// Swagger UI on this app's own OpenAPI document, from files this app serves: nothing is
// loaded from elsewhere, so a key typed into "Authorize" meets only this app's code.
"use strict";
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
