"""Run query plans through a ``SubgraphFetcher`` and shape the client response.

``execute_plan`` walks a plan into one result tree; ``shape_response`` projects that tree
onto the client operation (see ``gateway/ports.py`` for the planner/executor split).
"""

from gateway.executor.relations import TypeRelations
from gateway.executor.run import Execution, execute_plan
from gateway.executor.shaping import OperationShape, SchemaIndex, compile_operation, shape_response

__all__ = [
    "Execution",
    "OperationShape",
    "SchemaIndex",
    "TypeRelations",
    "compile_operation",
    "execute_plan",
    "shape_response",
]
