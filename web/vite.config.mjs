// Two pages: the help desk (index.html, served at /) and GraphiQL (graphiql.html, served at
// GET /graphql in development). The build goes into the Python package, committed, so
// `python3 dev.py serve` needs no Node.js: rebuild with `npm run build` in web/.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here("."),
  base: "/static/",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: here("../helpdesk/web_dist"),
    emptyOutDir: true,
    chunkSizeWarningLimit: 4000,
    rollupOptions: {
      input: { index: here("index.html"), graphiql: here("graphiql.html") },
      onwarn(warning, warn) {
        // GraphiQL's React libraries say "use client", which means nothing here.
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
    },
  },
});
