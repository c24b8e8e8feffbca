# Django's German formats, except a moment with a comma before the time ("3. Dezember
# 2026, 14:05"), as German prose writes it.
DATE_FORMAT = "j. F Y"
DATETIME_FORMAT = "j. F Y, H:i"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
