"""Response shaping: the client's view of the merged result tree."""

from gateway.executor.shaping.shape import OperationShape, compile_operation, shape_response
from gateway.executor.shaping.typeref import SchemaIndex

__all__ = ["OperationShape", "SchemaIndex", "compile_operation", "shape_response"]
