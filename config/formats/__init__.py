"""Date formats per language, over Django's own (settings.FORMAT_MODULE_PATH). Pages write
a date with `|date` (DATE_FORMAT) and a moment with `|date:"DATETIME_FORMAT"`, so each
language writes them its own way: English as ISO dates (2026-12-03, what the pages always
showed), German as a German reader writes them (3. Dezember 2026). Numbers and money are
Babel's (improvement.formatting); only what is named here differs from Django's files."""
