"""Infrastructure: configuration, logging and telemetry."""
