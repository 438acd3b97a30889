"""Local infrastructure for development, tests and CI: real Kafka, real PostgreSQL, a dev OIDC issuer."""
