"""Event-log adapters: a local SQLite log (embedded) and Kafka (aiokafka)."""
