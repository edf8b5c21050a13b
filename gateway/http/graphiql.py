"""The GraphiQL page served to browsers at the GraphQL endpoint; its scripts and styles are
served by the gateway itself (``rumah.common.webassets``, pinned npm packages), never from a CDN."""

from __future__ import annotations

import html

from rumah.common.webassets.asgi import asset_url

ASSET_MOUNT = "/_assets"

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>Rumah gateway — GraphiQL</title>
  <style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>
  <link rel="stylesheet" href="{css}" />
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="{react}"></script>
  <script src="{react_dom}"></script>
  <script src="{graphiql}"></script>
  <script>
    const fetcher = GraphiQL.createFetcher({{ url: "{endpoint}" }});
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, {{ fetcher, defaultEditorToolsVisibility: true }})
    );
  </script>
</body>
</html>
"""


def graphiql_page(endpoint: str) -> bytes:
    return _PAGE.format(
        endpoint=html.escape(endpoint, quote=True),
        css=asset_url(ASSET_MOUNT, "graphiql.min.css"),
        react=asset_url(ASSET_MOUNT, "react.production.min.js"),
        react_dom=asset_url(ASSET_MOUNT, "react-dom.production.min.js"),
        graphiql=asset_url(ASSET_MOUNT, "graphiql.min.js"),
    ).encode()
