"""From figures to improvement: PDCA actions against a KPI, and questionnaires scored into KPI values."""
