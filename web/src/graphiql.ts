// GraphiQL served by the app itself (GET /graphql in a browser, development only): every
// script and style is bundled, so it works without internet. Queries and mutations go over
// HTTP; subscriptions over graphql-transport-ws, with the Headers tab as connection_init's
// payload (so `{"Authorization": "Bearer hd_..."}` signs in both). Headers are kept between
// reloads (shouldPersistHeaders).
import { explorerPlugin } from "@graphiql/plugin-explorer";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import "graphiql/style.css";
import "@graphiql/plugin-explorer/style.css";

const url = new URL("/graphql", window.location.href);
const subscriptionUrl = url.href.replace(/^http/, "ws");

const fetcher = createGraphiQLFetcher({
  url: url.href,
  subscriptionUrl,
  enableIncrementalDelivery: false,
});

const defaultQuery = `# Sign in, then put the token in the Headers tab:
#   {"Authorization": "Bearer hd_..."}
# The API tour in README.md has more to paste here.
mutation SignIn {
  login(input: {email: "lena@nimbuswallet.example", password: "helpdesk-demo"}) {
    token
    viewer { name role organization { name } }
    errors { code message }
  }
}
`;

const root = document.getElementById("graphiql");
if (root) {
  createRoot(root).render(
    createElement(GraphiQL, {
      fetcher,
      plugins: [explorerPlugin()],
      defaultQuery,
      shouldPersistHeaders: true,
    }),
  );
}
