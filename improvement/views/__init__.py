"""Server-rendered pages. Each view is thin: it parses a form and calls the same service
function the API calls (`services`, `workflow`, `metrics.services`)."""
