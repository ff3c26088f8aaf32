"""The runtime: configuration, sources, and the loops that drive engine and alarms to boards."""
