"""Demand control: the cost of an operation, estimated before any fetch and measured after
(``@cost`` / ``@listSize``, the IBM cost directives, computed the way Apollo Router's
``static_estimated`` strategy does). See ``docs/demand-control.md``."""

from gateway.demand.control import CostReport, DemandControl
from gateway.demand.schema import CostSchema

__all__ = ["CostReport", "CostSchema", "DemandControl"]
