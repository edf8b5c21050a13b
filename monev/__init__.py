"""Monev: the regency's monitoring-and-evaluation pages, a client of the gateway.

Every number it shows comes from a GraphQL query or subscription through the gateway
(``monev.gateway``); it keeps no data of its own. Server-rendered (Starlette + Jinja2) with
htmx and Chart.js served from ``rumah.common.webassets``.
"""
