"""The KPI catalogue: what the benchmark asks, versioned per cycle."""
