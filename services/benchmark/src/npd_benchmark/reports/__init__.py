"""Reports of one organisation: charts (SVG, PNG), an HTML page, a PDF and a CSV export of what it may see."""
