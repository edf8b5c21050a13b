"""The request core: one GraphQL operation from text to response, whatever carries it.

``state`` (supergraph + planner + caches, swapped whole on ``reload``), ``prepare`` (parse →
validate → limits → plan, failures as values), ``pipeline`` (admit → execute → shape) and
their helpers. Transports (``gateway.http``, ``gateway.subscriptions``) sit on top of this
package; it imports neither.
"""
