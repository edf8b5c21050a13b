"""Changes of the client-facing (API) schema and what they do to clients: ``diff`` classifies
every change as breaking, dangerous or safe (graphql-core's ``find_breaking_changes`` /
``find_dangerous_changes``, plus safe additions); ``acknowledged`` lets a team accept a
breaking change on purpose; ``broken_operations`` says which known operations a new schema
would break. See ``docs/schema-changes.md``."""

from gateway.schema_changes.acknowledge import AcknowledgementError, Acknowledgements
from gateway.schema_changes.classify import SchemaChange, diff_schemas
from gateway.schema_changes.load import load_api_schema
from gateway.schema_changes.operations import BrokenOperation, broken_operations

__all__ = [
    "AcknowledgementError",
    "Acknowledgements",
    "BrokenOperation",
    "SchemaChange",
    "broken_operations",
    "diff_schemas",
    "load_api_schema",
]
