"""Which linked features a supergraph may use, and the join link it must have."""

from __future__ import annotations

from graphql import DocumentNode, SchemaDefinitionNode, SchemaExtensionNode

from gateway.link import Link, LinkedFeatures, read_links
from gateway.ports import SupergraphError

JOIN_IDENTITY = "https://specs.apollo.dev/join"
CORE_IDENTITY = "https://specs.apollo.dev/core"
JOIN_VERSIONS = {(0, 1), (0, 2), (0, 3), (0, 4), (0, 5)}

# Features whose meaning we implement or which only annotate (Apollo Router's list).
SUPPORTED_FEATURES = {
    (CORE_IDENTITY, (0, 1)),
    (CORE_IDENTITY, (0, 2)),
    ("https://specs.apollo.dev/link", (1, 0)),
    *((JOIN_IDENTITY, v) for v in JOIN_VERSIONS),
    *(("https://specs.apollo.dev/tag", (0, m)) for m in (1, 2, 3)),
    *(("https://specs.apollo.dev/inaccessible", (0, m)) for m in (1, 2)),
    ("https://specs.apollo.dev/authenticated", (0, 1)),
    ("https://specs.apollo.dev/requiresScopes", (0, 1)),
    ("https://specs.apollo.dev/policy", (0, 1)),
    ("https://specs.apollo.dev/context", (0, 1)),
    ("https://specs.apollo.dev/cost", (0, 1)),
    ("https://specs.apollo.dev/listSize", (0, 1)),
    ("https://specs.apollo.dev/demandControl", (0, 1)),
}


def check_features(document: DocumentNode) -> tuple[LinkedFeatures, Link]:
    """The linked features and the join link; refuse what we cannot serve correctly."""
    schema_nodes = [
        d for d in document.definitions if isinstance(d, SchemaDefinitionNode | SchemaExtensionNode)
    ]
    if not schema_nodes:
        raise SupergraphError("invalid supergraph: no schema definition with @link/@core")
    features = read_links(schema_nodes)
    join = features.get(JOIN_IDENTITY)
    if join is not None and join.version not in JOIN_VERSIONS:
        raise SupergraphError(
            f"invalid supergraph: unsupported join spec version v{join.version[0]}."
            f"{join.version[1]} (supported: v0.1–v0.5)"
        )
    for link in features.links:
        if (
            link.purpose in ("EXECUTION", "SECURITY")
            and (link.identity, link.version) not in SUPPORTED_FEATURES
        ):
            raise SupergraphError(
                f"invalid supergraph: feature {link.url} is for: {link.purpose} but is unsupported"
            )
        if link.identity == CORE_IDENTITY and link.version == (0, 1):
            if any(other.purpose for other in features.links):
                raise SupergraphError(
                    "invalid supergraph: the `for:` argument is unsupported by core v0.1"
                )
    if join is None:
        raise SupergraphError("invalid supergraph: it does not link the join spec")
    return features, join
